// XML for the lab's STS: the AWS Query protocol's response and error documents.
//
// Shapes (aws-behavior.md section 1, botocore's sts 2011-06-15 service model):
//   <XResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><XResult>...</XResult>
//     <ResponseMetadata><RequestId>..</RequestId></ResponseMetadata></XResponse>
//   <ErrorResponse xmlns="..."><Error><Type>Sender</Type><Code>..</Code><Message>..</Message></Error>
//     <RequestId>..</RequestId></ErrorResponse>
// STS indents its documents with two spaces and ends them with a newline; the SDKs do not care,
// but a person reading `--debug` output sees the same layout as from AWS.

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** Escapes text and attribute values (the five XML entities). */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

/** An element tree: a text leaf, or nested elements in order. Undefined members are left out. */
export type XmlNode = string | number | XmlElement[];
export interface XmlElement {
  readonly name: string;
  readonly value: XmlNode | undefined;
}

export function el(name: string, value: XmlNode | undefined): XmlElement {
  return { name, value };
}

function render(e: XmlElement, depth: number, out: string[]): void {
  if (e.value === undefined) return;
  const pad = '  '.repeat(depth);
  if (Array.isArray(e.value)) {
    out.push(`${pad}<${e.name}>`);
    for (const c of e.value) render(c, depth + 1, out);
    out.push(`${pad}</${e.name}>`);
  } else {
    out.push(`${pad}<${e.name}>${escapeXml(String(e.value))}</${e.name}>`);
  }
}

/** `<{action}Response>` with `<{action}Result>` (omitted when `result` is undefined) and the request id. */
export function queryResponse(action: string, result: XmlElement[] | undefined, requestId: string): string {
  const out: string[] = [`<${action}Response xmlns="${STS_NAMESPACE}">`];
  if (result !== undefined) render(el(`${action}Result`, result), 1, out);
  render(el('ResponseMetadata', [el('RequestId', requestId)]), 1, out);
  out.push(`</${action}Response>`);
  return out.join('\n') + '\n';
}

export type ErrorType = 'Sender' | 'Receiver';

export function errorResponse(type: ErrorType, code: string, message: string, requestId: string): string {
  const out: string[] = [`<ErrorResponse xmlns="${STS_NAMESPACE}">`];
  render(el('Error', [el('Type', type), el('Code', code), el('Message', message)]), 1, out);
  render(el('RequestId', requestId), 1, out);
  out.push('</ErrorResponse>');
  return out.join('\n') + '\n';
}
