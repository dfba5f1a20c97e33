// A small XML writer for the AWS Query protocol (IAM, STS): responses are
// `<OpResponse xmlns="..."><OpResult>...</OpResult><ResponseMetadata><RequestId>...` and errors
// `<ErrorResponse xmlns="..."><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
//
// Values are written the way botocore's query parser and the JS SDK v3 read them
// (botocore/parsers.py QueryParser, @aws-sdk/core protocols/query): lists are wrapped in
// `<member>` elements (IAM and STS use no flattened lists), timestamps are ISO 8601 in UTC,
// booleans are `true`/`false`, an empty list is an empty element (`<Tags/>`) and an absent
// optional member is simply not written.

/** A value of a Query-protocol shape. Plain objects are structures, arrays are lists. */
export type QueryValue = string | number | boolean | Date | readonly QueryValue[] | QueryStructure | QueryMap;

/** A Query-protocol map (`GetAccountSummary`'s SummaryMap): `<entry><key/><value/></entry>` each. */
export class QueryMap {
  constructor(readonly entries: ReadonlyArray<readonly [string, QueryValue]>) {}
}
export interface QueryStructure {
  readonly [member: string]: QueryValue | undefined;
}

export interface XmlElement {
  readonly name: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly children: ReadonlyArray<XmlElement | string>;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/** Escapes text and attribute values. Characters XML 1.0 cannot carry are dropped. */
export function escapeXml(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"'\r]/g, (c) => ESCAPES[c] ?? c);
}

/** `2024-05-01T12:34:56Z`: IAM and STS write whole seconds. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function element(name: string, children: ReadonlyArray<XmlElement | string> = [], attrs?: Record<string, string>): XmlElement {
  return attrs ? { name, attrs, children } : { name, children };
}

function isStructure(v: QueryValue): v is QueryStructure {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof QueryMap);
}

/** Serialises one member: `<Name>value</Name>`, a `<member>` list, or nested structure. */
export function queryElement(name: string, value: QueryValue): XmlElement {
  if (value instanceof Date) return element(name, [isoSeconds(value)]);
  if (value instanceof QueryMap) return element(name, value.entries.map(([k, v]) => element('entry', [queryElement('key', k), queryElement('value', v)])));
  if (Array.isArray(value)) return element(name, (value as readonly QueryValue[]).map((v) => queryElement('member', v)));
  if (isStructure(value)) {
    const children: XmlElement[] = [];
    for (const [k, v] of Object.entries(value)) if (v !== undefined) children.push(queryElement(k, v));
    return element(name, children);
  }
  return element(name, [String(value)]);
}

export function renderXml(root: XmlElement, declaration = false): string {
  const out: string[] = [];
  if (declaration) out.push('<?xml version="1.0" encoding="UTF-8"?>\n');
  const walk = (e: XmlElement, depth: number): void => {
    const pad = '  '.repeat(depth);
    const attrs = e.attrs ? Object.entries(e.attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('') : '';
    if (e.children.length === 0) {
      out.push(`${pad}<${e.name}${attrs}/>\n`);
      return;
    }
    if (e.children.every((c) => typeof c === 'string')) {
      out.push(`${pad}<${e.name}${attrs}>${(e.children as string[]).map(escapeXml).join('')}</${e.name}>\n`);
      return;
    }
    out.push(`${pad}<${e.name}${attrs}>\n`);
    for (const c of e.children) {
      if (typeof c === 'string') out.push(`${pad}  ${escapeXml(c)}\n`);
      else walk(c, depth + 1);
    }
    out.push(`${pad}</${e.name}>\n`);
  };
  walk(root, 0);
  return out.join('');
}

/**
 * A Query-protocol success body. `result` undefined writes no `<OpResult>` (operations whose
 * output shape is absent, e.g. DeleteRole); `{}` writes an empty one (e.g. UpdateRole).
 */
export function queryResponse(operation: string, namespace: string, requestId: string, result?: QueryStructure): string {
  const children: XmlElement[] = [];
  if (result !== undefined) children.push(queryElement(`${operation}Result`, result));
  children.push(element('ResponseMetadata', [element('RequestId', [requestId])]));
  return renderXml(element(`${operation}Response`, children, { xmlns: namespace }));
}

/** A Query-protocol error body (`Type` is `Sender` for client faults, `Receiver` for server faults). */
export function queryError(namespace: string, requestId: string, error: { type: 'Sender' | 'Receiver'; code: string; message: string }): string {
  return renderXml(
    element(
      'ErrorResponse',
      [
        element('Error', [element('Type', [error.type]), element('Code', [error.code]), element('Message', [error.message])]),
        element('RequestId', [requestId]),
      ],
      { xmlns: namespace },
    ),
  );
}
