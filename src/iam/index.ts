// The IAM library shared by the checks and the lab (STS/IAM emulators): ARNs and partitions, OIDC
// issuers and providers, policy parsing, and policy evaluation with explanations as data.
// It depends on nothing else in the project.

export * from './arn.js';
export * from './issuer.js';
export * from './policy.js';
export * from './evaluate.js';
export * from './explain.js';
export * from './web-identity.js';
export { indexContext, type ContextEntry, type ContextIndex } from './context.js';
export { substituteVariables, type Substitution } from './variables.js';
export { hasWildcard, wildcardMatch, patternMatch, type Pattern } from './wildcard.js';
export { OPERATORS, operatorByName, parseOperator, type OperatorDefinition, type OperatorFamily, type ParsedOperator, type SetQualifier } from './conditions/index.js';
