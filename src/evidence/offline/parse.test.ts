import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../facts.js';
import { LineIndex, elementOffsets, locate, scanJsonValues } from './json.js';
import { looksLikeJson, looksLikeK8sManifest, parseFile } from './parse.js';

/** The error a text gives, as `path:line:col: message`. */
function errorOf(text: string): string {
  const p = parseFile('in.json', text);
  assert.ok(p.error instanceof InputError, `expected an error for ${JSON.stringify(text)}`);
  return p.error.toString();
}

test('JSON syntax errors give 1-based line:col and what was expected', () => {
  const cases: Array<[string, string]> = [
    ['{"a":}', 'in.json:1:6: invalid JSON: expected a value, found \'}\''],
    ['{\n  "a": 1,\n}', "in.json:3:1: invalid JSON: expected a property name in double quotes, found '}' (a trailing comma before it?)"],
    ['[1, 2,]', "in.json:1:7: invalid JSON: expected a value (a trailing comma before it?), found ']'"],
    ['{\n  "Role": {\n    "RoleName": "x"\n    "Arn": "y"\n  }\n}', "in.json:4:5: invalid JSON: expected ',' or '}' after a property value, found '\"'"],
    ['[1 2]', "in.json:1:4: invalid JSON: expected ',' or ']' after an array element, found '2'"],
    ['{"a" 1}', "in.json:1:6: invalid JSON: expected ':' after the property name, found '1'"],
    ['{"a": "b\n"}', 'in.json:1:7: invalid JSON: unterminated string: the line ends before its closing quote'],
    ['{"a": "b', 'in.json:1:7: invalid JSON: unterminated string: the file ends before its closing quote'],
    ["{'a': 1}", "in.json:1:2: invalid JSON: expected a property name in double quotes, found ''' (JSON strings take double quotes)"],
    ['{"a": None}', "in.json:1:7: invalid JSON: expected a value, found 'None' (not a JSON literal: use null, true or false)"],
    ['{"a": "\\x"}', "in.json:1:8: invalid JSON: invalid escape '\\x' in a string"],
    ['{"a": "\\u12"}', 'in.json:1:8: invalid JSON: invalid \\u escape in a string: expected 4 hex digits'],
    ['{"a": -}', 'in.json:1:8: invalid JSON: expected a number, found \'}\''],
    ['{"a": 1', 'in.json:1:8: invalid JSON: expected \',\' or \'}\' after a property value, found the end of the file'],
    ['{"a": 1} x', "in.json:1:10: invalid JSON: unexpected 'x' after the end of the JSON value"],
    ['{"a": "tab\there"}', 'in.json:1:11: invalid JSON: control character in a string: it must be escaped'],
  ];
  for (const [text, expected] of cases) assert.equal(errorOf(text), expected, text);
});

test('columns count from the start of the line, after CRLF too', () => {
  assert.equal(errorOf('{\r\n  "a": 1,\r\n  "b": ]\r\n}'), "in.json:3:8: invalid JSON: expected a value, found ']'");
});

test('deeply nested JSON is scanned without recursion', () => {
  const deep = '['.repeat(200_000) + ']'.repeat(199_999);
  const r = scanJsonValues(deep);
  assert.ok('problem' in r);
  assert.equal(r.problem.offset, deep.length);
});

test('concatenated JSON values become several documents with their start lines', () => {
  const text = '{\n  "Role": {"RoleName": "a"}\n}\n{\n  "AttachedPolicies": []\n}\n[1]\n';
  const p = parseFile('two.json', text);
  assert.equal(p.error, undefined);
  assert.equal(p.syntax, 'json');
  assert.deepEqual(
    p.docs?.map((d) => [d.line, d.value]),
    [
      [1, { Role: { RoleName: 'a' } }],
      [4, { AttachedPolicies: [] }],
      [7, [1]],
    ],
  );
});

test('JSON documents find the lines of array elements and nested values', () => {
  const text = '{\n  "kind": "List",\n  "items": [\n    {"a": 1},\n\n    {"b": [\n      2\n    ]},\n    3\n  ]\n}\n';
  const p = parseFile('list.json', text);
  const doc = p.docs?.[0];
  assert.ok(doc);
  assert.deepEqual(doc.itemLines?.(['items']), [4, 6, 9]);
  assert.equal(doc.lineOf?.(['items', 1, 'b', 0]), 7);
  assert.equal(doc.lineOf?.(['missing']), undefined);
  assert.deepEqual(doc.itemLines?.(['kind']), []);
});

test('locate follows the last duplicate key, as JSON.parse does', () => {
  const text = '{"a": [1], "a": [2, 3]}';
  const at = locate(text, 0, ['a']);
  assert.equal(at, 16);
  assert.deepEqual(elementOffsets(text, at!), [17, 20]);
});

test('LineIndex maps offsets to 1-based line and column', () => {
  const idx = new LineIndex('ab\ncd\n\nx');
  assert.deepEqual(idx.pos(0), { line: 1, col: 1 });
  assert.deepEqual(idx.pos(4), { line: 2, col: 2 });
  assert.deepEqual(idx.pos(6), { line: 3, col: 1 });
  assert.deepEqual(idx.pos(7), { line: 4, col: 1 });
});

test('what counts as JSON: objects and arrays, not INI or TOML headers', () => {
  const table: Array<[string, boolean]> = [
    ['{"a":1}', true],
    ['  \n {', true],
    ['[1, 2]', true],
    ['[\n  {"Arn": "x"}\n]', true],
    ['["a"]', true],
    ['[]', true],
    ['[true]', true],
    ['[default]\naws_access_key_id = AKIA...', false],
    ['[[package]]\nname = "boto3"', false],
    ['[[1, 2]]', true],
    ['apiVersion: v1', false],
    ['"https://example.com"', false],
  ];
  for (const [text, expected] of table) assert.equal(looksLikeJson(text), expected, text);
});

test('YAML: multi-document files give one doc per document with its start line', () => {
  const text = '# comment\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: b\n';
  const p = parseFile('m.yaml', text);
  assert.equal(p.syntax, 'yaml');
  assert.equal(p.error, undefined);
  assert.deepEqual(
    p.docs?.map((d) => d.line),
    [2, 9],
  );
  const docB = p.docs?.[1];
  assert.equal(docB?.lineOf?.(['metadata', 'name']), 12);
});

test('YAML: item lines of a sequence', () => {
  const text = 'kind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n- kind: Pod\n  metadata:\n    name: b\n';
  const doc = parseFile('l.yaml', text).docs?.[0];
  assert.deepEqual(doc?.itemLines?.(['items']), [3, 5]);
});

test('YAML errors in a Kubernetes manifest are reported with line:col', () => {
  const text = 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: payments\n  annotations:\n    eks.amazonaws.com/role-arn: [arn:aws:iam::111122223333:role/x\n';
  const p = parseFile('sa.yaml', text);
  assert.ok(p.error instanceof InputError);
  assert.equal(p.error.line, 7);
  assert.equal(p.error.col, 1);
  assert.match(p.error.toString(), /^sa\.yaml:7:1: invalid YAML: /);
});

test('YAML errors: bad indentation in a manifest points at the offending line', () => {
  const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n namespace: b\n';
  const p = parseFile('pod.yaml', text);
  assert.ok(p.error instanceof InputError);
  assert.equal(p.error.line, 5);
});

test('duplicate keys in a manifest are an error', () => {
  const p = parseFile('d.yaml', 'apiVersion: v1\nkind: Pod\nkind: Pod\nmetadata: {}\n');
  assert.ok(p.error instanceof InputError);
  assert.equal(p.error.line, 3);
});

test('text that is not YAML-shaped is left to the text recognisers', () => {
  for (const text of ['AWS_REGION=eu-west-1\nHOME=/root\n', 'uid=0(root) gid=0(root) groups=0(root)', 'https://oidc.eks.eu-west-1.amazonaws.com/id/X\n', '']) {
    const p = parseFile('t.txt', text);
    assert.equal(p.syntax, 'text', text);
    assert.equal(p.docs, undefined, text);
    assert.equal(p.error, undefined, text);
  }
});

test('a YAML error outside a manifest is kept as a note, not an error', () => {
  const text = 'Name:         irsa\nAnnotations:  eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/x\n';
  const p = parseFile('d.txt', text);
  assert.equal(p.error, undefined);
  assert.equal(p.syntax, 'text');
  assert.match(p.yamlProblem ?? '', /^line 2:\d+: /);
});

test('a UTF-8 byte-order mark is ignored', () => {
  const p = parseFile('b.json', '\ufeff{"a": 1}');
  assert.deepEqual(p.docs?.[0]?.value, { a: 1 });
});

test('YAML anchors are expanded, alias bombs are refused', () => {
  const ok = parseFile('a.yaml', 'a: &x {k: v}\nb: *x\n');
  assert.deepEqual(ok.docs?.[0]?.value, { a: { k: 'v' }, b: { k: 'v' } });
  let bomb = 'a0: &a0 [x, x]\n';
  for (let i = 1; i < 30; i++) bomb += `a${i}: &a${i} [*a${i - 1}, *a${i - 1}]\n`;
  const p = parseFile('bomb.yaml', `apiVersion: v1\nkind: ConfigMap\n${bomb}`);
  assert.ok(p.error instanceof InputError);
  assert.match(p.error.message, /alias/i);
});

test('looksLikeK8sManifest wants both apiVersion and kind at the start of a line', () => {
  assert.equal(looksLikeK8sManifest('apiVersion: v1\nkind: Pod\n'), true);
  assert.equal(looksLikeK8sManifest('- apiVersion: v1\n  kind: Pod\n'), true);
  assert.equal(looksLikeK8sManifest('apiVersion: v1\n'), false);
  assert.equal(looksLikeK8sManifest('text mentioning apiVersion: and kind: inline'), false);
});
