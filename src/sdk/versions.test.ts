import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composer, gem, go, isConstraintError, maven, nuget, numeric, pep440, semver, type Scheme } from './versions.js';

function cmp<V>(scheme: Scheme<V>, a: string, b: string): number {
  const x = scheme.parse(a);
  const y = scheme.parse(b);
  assert.ok(x !== null, `${scheme.id} should parse ${a}`);
  assert.ok(y !== null, `${scheme.id} should parse ${b}`);
  return Math.sign(scheme.compare(x, y));
}

// [scheme, a, b, expected sign of compare(a, b)]
const ORDER: Array<[Scheme<unknown>, string, string, number]> = [
  [semver, '3.27.0', '3.27.0', 0],
  [semver, '3.26.99', '3.27.0', -1],
  [semver, '3.100.0', '3.27.0', 1],
  [semver, '3.27.0-beta.1', '3.27.0', -1],
  [semver, '3.27.0-beta.2', '3.27.0-beta.10', -1],
  [semver, '3.27.0-alpha', '3.27.0-alpha.1', -1],
  [semver, '3.27.0-1', '3.27.0-alpha', -1],
  [semver, 'v2.525.0', '2.525.0+build.5', 0],
  [semver, '2.1550.0', '2.525.0', 1],
  [go, 'v1.44.0', 'v1.23.13', 1],
  [go, 'v1.23.12', 'v1.23.13', -1],
  [go, 'v2.0.0+incompatible', 'v2.0.0', 0],
  [go, 'v1.23.13-0.20190830165143-62d47d6a6f5c', 'v1.23.13', -1],
  [pep440, '1.9.220', '1.9.220', 0],
  [pep440, '1.9.219', '1.9.220', -1],
  [pep440, '1.34.41.post1', '1.34.41', 1],
  [pep440, '1.34.41-1', '1.34.41', 1],
  [pep440, '1.34.41rc1', '1.34.41', -1],
  [pep440, '1.34.41.dev0', '1.34.41a1', -1],
  [pep440, '1.34.41a1', '1.34.41b1', -1],
  [pep440, '1.34.41b2', '1.34.41rc1', -1],
  [pep440, '1.34', '1.34.0', 0],
  [pep440, '1!0.1', '1.34.41', 1],
  [pep440, '1.34.41+ubuntu1', '1.34.41', 0],
  [maven, '2.10.11', '2.10.11', 0],
  [maven, '2.10.10', '2.10.11', -1],
  [maven, '2.10.9', '2.10.11', -1],
  [maven, '1.12.782', '1.11.704', 1],
  [maven, '2.0.0-preview-12', '2.0.0', -1],
  [maven, '2.10.11-SNAPSHOT', '2.10.11', -1],
  [maven, '2.10.11.RELEASE', '2.10.11', 0],
  [maven, '2.10.11-RC1', '2.10.11-SNAPSHOT', -1],
  [maven, '2.10.11-sp1', '2.10.11', 1],
  [nuget, '3.3.659.1', '3.3.659.1', 0],
  [nuget, '3.3.104.14', '3.3.104.13', 1],
  [nuget, '3.7.302', '3.7.302.0', 0],
  [nuget, '3.7.302.0-preview', '3.7.302.0', -1],
  [nuget, '4.0.0.1', '3.999.999.999', 1],
  [gem, '3.58.0', '3.58', 0],
  [gem, '3.57.9', '3.58.0', -1],
  [gem, '3.58.0.rc1', '3.58.0', -1],
  [gem, '3.58.0.pre', '3.58.0.rc1', -1],
  [gem, '2.11.345', '3.0.0', -1],
  [composer, 'v3.110.7', '3.110.7', 0],
  [composer, '3.110.6', '3.110.7', -1],
  [composer, '3.110.7-RC1', '3.110.7', -1],
  [composer, '3.110.7-patch1', '3.110.7', 1],
  [numeric, '1.7.174', '1.7.174', 0],
  [numeric, '1.11.263#2', '1.11.263', 0],
  [numeric, '1.7.99', '1.7.174', -1],
];

test('each scheme orders versions as its ecosystem does', () => {
  for (const [scheme, a, b, want] of ORDER) {
    assert.equal(cmp(scheme, a, b), want, `${scheme.id}: ${a} vs ${b}`);
    assert.equal(cmp(scheme, b, a), want === 0 ? 0 : -want, `${scheme.id}: ${b} vs ${a}`);
  }
});

test('numbers compare by value whatever their length', () => {
  assert.equal(cmp(semver, '1.0.99999999999999999999', '1.0.100000000000000000000'), -1);
  assert.equal(cmp(nuget, '3.3.0000659.1', '3.3.659.1'), 0);
});

test('strings that are not versions of the scheme do not parse', () => {
  const bad: Array<[Scheme<unknown>, string]> = [
    [semver, '3.27'],
    [semver, 'latest'],
    [go, '1.44'],
    [pep440, '1.9.x'],
    [maven, 'RELEASE'],
    [nuget, '3.3.659.1.2'],
    [gem, 'v3.58.0'],
    [composer, 'dev-master'],
    [numeric, '1.7.174-beta'],
    [semver, `1.0.${'9'.repeat(300)}`],
  ];
  for (const [scheme, text] of bad) assert.equal(scheme.parse(text), null, `${scheme.id}: ${text}`);
});

function bounds<V>(scheme: Scheme<V>, text: string): { lo: string | null; loIn: boolean; hi: string | null; hiIn: boolean; exact: boolean } {
  const c = scheme.constraint(text);
  if (isConstraintError(c)) throw new Error(`${text}: ${c.error}`);
  return { lo: c.lower?.text ?? null, loIn: c.lower?.inclusive ?? false, hi: c.upper?.text ?? null, hiIn: c.upper?.inclusive ?? false, exact: c.exact };
}

test('PEP 440 specifier sets become ranges', () => {
  assert.deepEqual(bounds(pep440, '==1.9.220'), { lo: '1.9.220', loIn: true, hi: '1.9.220', hiIn: true, exact: true });
  assert.deepEqual(bounds(pep440, '>=1.12.200,<2.0'), { lo: '1.12.200', loIn: true, hi: '2.0', hiIn: false, exact: false });
  assert.deepEqual(bounds(pep440, '>1.9, !=1.9.5, <=1.9.300'), { lo: '1.9', loIn: false, hi: '1.9.300', hiIn: true, exact: false });
  assert.deepEqual(bounds(pep440, '~=1.34.0'), { lo: '1.34.0', loIn: true, hi: '1.35', hiIn: false, exact: false });
  assert.deepEqual(bounds(pep440, '~=1.34'), { lo: '1.34', loIn: true, hi: '2', hiIn: false, exact: false });
  assert.deepEqual(bounds(pep440, '==1.9.*'), { lo: '1.9', loIn: true, hi: '1.10', hiIn: false, exact: false });
  assert.deepEqual(bounds(pep440, '>=1.0,>=1.5'), { lo: '1.5', loIn: true, hi: null, hiIn: false, exact: false });
});

test('Maven ranges and Gradle dynamic versions become ranges', () => {
  assert.deepEqual(bounds(maven, '[2.10.11,3.0)'), { lo: '2.10.11', loIn: true, hi: '3.0', hiIn: false, exact: false });
  assert.deepEqual(bounds(maven, '(,2.10.11]'), { lo: null, loIn: false, hi: '2.10.11', hiIn: true, exact: false });
  assert.deepEqual(bounds(maven, '[2.10.11]'), { lo: '2.10.11', loIn: true, hi: '2.10.11', hiIn: true, exact: true });
  assert.deepEqual(bounds(maven, '[1.0,1.5),[2.0,2.5)'), { lo: '1.0', loIn: true, hi: '2.5', hiIn: false, exact: false });
  assert.deepEqual(bounds(maven, '2.20.+'), { lo: '2.20', loIn: true, hi: '2.21', hiIn: false, exact: false });
  assert.deepEqual(bounds(maven, '2.20.43!!'), { lo: '2.20.43', loIn: true, hi: '2.20.43', hiIn: true, exact: true });
  const plus = maven.constraint('2.10.+');
  assert.ok(!isConstraintError(plus) && plus.upper !== null);
  // the exclusive upper bound of `2.10.+` sorts before any 2.11 pre-release
  const preview = maven.parse('2.11.0-preview-1');
  assert.ok(preview !== null && maven.compare(plus.upper.version, preview) < 0);
});

test('NuGet ranges, floating versions and bare versions', () => {
  assert.deepEqual(bounds(nuget, '[3.7.0, )'), { lo: '3.7.0', loIn: true, hi: null, hiIn: false, exact: false });
  assert.deepEqual(bounds(nuget, '(3.3.0,3.5.0]'), { lo: '3.3.0', loIn: false, hi: '3.5.0', hiIn: true, exact: false });
  assert.deepEqual(bounds(nuget, '[3.3.104.14]'), { lo: '3.3.104.14', loIn: true, hi: '3.3.104.14', hiIn: true, exact: true });
  assert.deepEqual(bounds(nuget, '3.7.*'), { lo: '3.7', loIn: true, hi: '3.8', hiIn: false, exact: false });
  assert.deepEqual(bounds(nuget, '3.7.302.0'), { lo: '3.7.302.0', loIn: true, hi: '3.7.302.0', hiIn: true, exact: true });
});

test('Go pseudo-versions are the span between the tag they follow and the next', () => {
  const after = go.constraint('v1.23.13-0.20190830165143-62d47d6a6f5c');
  assert.ok(!isConstraintError(after));
  assert.equal(after.lower?.text, 'v1.23.12');
  assert.equal(after.upper?.text, 'v1.23.13');
  assert.match(after.note ?? '', /after v1\.23\.12/);
  const pre = go.constraint('v1.44.0-rc.1.0.20220101120000-abcdefabcdef');
  assert.ok(!isConstraintError(pre));
  assert.equal(pre.lower?.text, 'v1.44.0-rc.1');
  assert.equal(pre.upper?.text, 'v1.44.0');
  const baseless = go.constraint('v0.0.0-20190802002840-cff245a6509b');
  assert.ok(!isConstraintError(baseless));
  assert.equal(baseless.lower, null);
  assert.equal(baseless.upper?.text, 'v0.0.0');
  assert.deepEqual(bounds(go, 'v1.44.0+incompatible'), { lo: 'v1.44.0+incompatible', loIn: true, hi: 'v1.44.0+incompatible', hiIn: true, exact: true });
});

test('non-versions are named for what they are', () => {
  const cases: Array<[Scheme<unknown>, string, string]> = [
    [semver, '', 'versionMissing'],
    [maven, '${aws.version}', 'unresolvedProperty'],
    [nuget, '$(AwsSdkVersion)', 'unresolvedProperty'],
    [maven, '$awsSdkVersion', 'unresolvedProperty'],
    [semver, 'latest', 'movingTag'],
    [maven, 'latest.release', 'movingTag'],
    [semver, 'git+https://github.com/aws/aws-sdk-js.git#v2.500.0', 'notARelease'],
    [semver, 'github:aws/aws-sdk-js#master', 'notARelease'],
    [semver, 'file:../vendor/aws-sdk', 'notARelease'],
    [go, 'replaced by ../aws-sdk-go', 'notARelease'],
    [pep440, '0123456789abcdef0123456789abcdef01234567', 'notARelease'],
    [composer, 'dev-master', 'notARelease'],
    [composer, '3.x-dev', 'notARelease'],
    [numeric, 'builtin-baseline 3426db05b996481ca31e95fff3734cf23e0f51bc', 'notARelease'],
    [pep440, '>=1.0;;', 'unparseable'],
    [semver, '^3.27.0', 'unparseable'],
  ];
  for (const [scheme, text, want] of cases) {
    const c = scheme.constraint(text);
    assert.ok(isConstraintError(c), `${scheme.id} ${text} should be an error`);
    assert.equal(c.error, want, `${scheme.id} ${text}`);
  }
  const any = pep440.constraint('*');
  assert.ok(!isConstraintError(any) && any.lower === null && any.upper === null);
});

test('npm aliases in lockfiles name the real version', () => {
  assert.deepEqual(bounds(semver, 'npm:@aws-sdk/client-sts@3.400.0'), { lo: '3.400.0', loIn: true, hi: '3.400.0', hiIn: true, exact: true });
});
