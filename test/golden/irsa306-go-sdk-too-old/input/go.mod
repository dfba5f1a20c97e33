module github.com/example-corp/cdn-purger

go 1.21

require (
	github.com/aws/aws-sdk-go v1.23.12
	github.com/sirupsen/logrus v1.9.3
)

require (
	github.com/jmespath/go-jmespath v0.0.0-20180206201540-c2b33e8439af // indirect
	golang.org/x/sys v0.0.0-20220715151400-c0bba94af5f8 // indirect
)
