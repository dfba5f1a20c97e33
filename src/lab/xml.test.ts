// The Query-protocol XML writer: escaping, `<member>` lists, empty lists, timestamps, and the
// response / error envelopes (the documents the IAM and STS SDK parsers read; end-to-end parsing by
// real clients is in iam.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, isoSeconds, queryError, queryResponse } from './xml.js';

const NS = 'https://iam.amazonaws.com/doc/2010-05-08/';

test('escapes the five entities and drops characters XML cannot carry', () => {
  assert.equal(escapeXml(`a<b>&"c'\u0001`), 'a&lt;b&gt;&amp;&quot;c&apos;');
});

test('timestamps are ISO 8601 with whole seconds, UTC', () => {
  assert.equal(isoSeconds(new Date('2024-05-01T10:20:30.456Z')), '2024-05-01T10:20:30Z');
});

test('a response with lists, nested structures, empty lists and absent members', () => {
  const body = queryResponse('GetOpenIDConnectProvider', NS, 'rid-1', {
    Url: 'issuer.example.com/id/X',
    ClientIDList: ['sts.amazonaws.com', 'a&b'],
    ThumbprintList: [],
    CreateDate: new Date('2024-05-01T10:20:30Z'),
    Tags: [{ Key: 'k', Value: '' }],
    Description: undefined,
    IsDefault: true,
    Count: 0,
  });
  assert.equal(
    body,
    [
      `<GetOpenIDConnectProviderResponse xmlns="${NS}">`,
      '  <GetOpenIDConnectProviderResult>',
      '    <Url>issuer.example.com/id/X</Url>',
      '    <ClientIDList>',
      '      <member>sts.amazonaws.com</member>',
      '      <member>a&amp;b</member>',
      '    </ClientIDList>',
      '    <ThumbprintList/>',
      '    <CreateDate>2024-05-01T10:20:30Z</CreateDate>',
      '    <Tags>',
      '      <member>',
      '        <Key>k</Key>',
      '        <Value></Value>',
      '      </member>',
      '    </Tags>',
      '    <IsDefault>true</IsDefault>',
      '    <Count>0</Count>',
      '  </GetOpenIDConnectProviderResult>',
      '  <ResponseMetadata>',
      '    <RequestId>rid-1</RequestId>',
      '  </ResponseMetadata>',
      '</GetOpenIDConnectProviderResponse>',
      '',
    ].join('\n'),
  );
});

test('operations without output have no Result element; an empty output has an empty one', () => {
  assert.equal(queryResponse('DeleteRole', NS, 'r', undefined), `<DeleteRoleResponse xmlns="${NS}">\n  <ResponseMetadata>\n    <RequestId>r</RequestId>\n  </ResponseMetadata>\n</DeleteRoleResponse>\n`);
  assert.match(queryResponse('UpdateRole', NS, 'r', {}), /<UpdateRoleResult\/>/);
});

test('the error envelope', () => {
  assert.equal(
    queryError(NS, 'rid-2', { type: 'Sender', code: 'NoSuchEntity', message: 'The role with name <x> cannot be found.' }),
    [
      `<ErrorResponse xmlns="${NS}">`,
      '  <Error>',
      '    <Type>Sender</Type>',
      '    <Code>NoSuchEntity</Code>',
      '    <Message>The role with name &lt;x&gt; cannot be found.</Message>',
      '  </Error>',
      '  <RequestId>rid-2</RequestId>',
      '</ErrorResponse>',
      '',
    ].join('\n'),
  );
});
