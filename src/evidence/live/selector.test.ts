import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SelectorError, formatSelector, parseSelector } from './selector.js';

test('every kind kubectl spells: singular, plural, short name, any case, group-qualified', () => {
  const table: Array<[string, string, string]> = [
    ['pod/web-0', 'Pod', 'web-0'],
    ['pods/web-0', 'Pod', 'web-0'],
    ['po/web-0', 'Pod', 'web-0'],
    ['deploy/api', 'Deployment', 'api'],
    ['deployment/api', 'Deployment', 'api'],
    ['deployments.apps/api', 'Deployment', 'api'],
    ['deployment.v1.apps/api', 'Deployment', 'api'],
    ['Deployment/api', 'Deployment', 'api'],
    ['sts/db', 'StatefulSet', 'db'],
    ['statefulset/db', 'StatefulSet', 'db'],
    ['ds/agent', 'DaemonSet', 'agent'],
    ['daemonset/agent', 'DaemonSet', 'agent'],
    ['job/load-1', 'Job', 'load-1'],
    ['jobs.batch/load-1', 'Job', 'load-1'],
    ['cronjob/load', 'CronJob', 'load'],
    ['cj/load', 'CronJob', 'load'],
    ['sa/app', 'ServiceAccount', 'app'],
    ['serviceaccount/app', 'ServiceAccount', 'app'],
    ['  sa/app.v2  ', 'ServiceAccount', 'app.v2'],
  ];
  for (const [text, kind, name] of table) assert.deepEqual(parseSelector(text), { kind, name }, text);
});

test('clear errors for what is not a selector', () => {
  const table: Array<[string, RegExp]> = [
    ['', /^no workload given: write pod\/NAME, deploy\/NAME/],
    ['api', /^"api" has no kind: write KIND\/NAME, e\.g\. deploy\/api/],
    ['/api', /has no kind before the "\/"/],
    ['deploy/', /^"deploy\/" has no name after the "\/": write deploy\/NAME$/],
    ['svc/api', /^"svc\/" is not supported: a Service runs no pods of its own/],
    ['replicasets/api-123', /a ReplicaSet belongs to a Deployment/],
    ['secret/creds', /never reads Secrets/],
    ['widget/x', /^unknown kind "widget" in "widget\/x": write pod\/NAME/],
    ['deployments.batch/api', /names the API group "batch", but Deployment is in "apps": write deploy\/api/],
    ['pod.apps/x', /but Pod is in the core group/],
    ['deploy/payments/api', /more than one "\/".*namespace goes in -n/],
    ['deploy/API', /"API" is not a valid deployment name: lower-case letters/],
    ['sa/-x', /not a valid serviceaccount name/],
    [`pod/${'a'.repeat(254)}`, /not a valid pod name/],
  ];
  for (const [text, message] of table) {
    assert.throws(() => parseSelector(text), (e: unknown) => e instanceof SelectorError && message.test(e.message), text);
  }
});

test('formatSelector gives the canonical form', () => {
  assert.equal(formatSelector(parseSelector('deploy/api')), 'deployment/api');
  assert.equal(formatSelector(parseSelector('cj/load')), 'cronjob/load');
  assert.equal(formatSelector(parseSelector('SA/app')), 'serviceaccount/app');
});
