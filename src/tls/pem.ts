// PEM scanning: finds every `-----BEGIN X-----` ... `-----END X-----` block in arbitrary text
// (s_client output, a chain file with comments between blocks, CRLF line ends, a block pasted
// on one line) and decodes the certificate ones. Pure; errors carry the 1-based line.

/** Labels whose body is an X.509 certificate (RFC 7468 plus OpenSSL's aliases). */
const CERT_LABELS = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE']);

export interface PemBlock {
  /** The text between `BEGIN ` and `-----`, e.g. `CERTIFICATE`, `PRIVATE KEY`. */
  readonly label: string;
  /** 1-based line of the BEGIN marker. */
  readonly line: number;
  /** Character offsets of the BEGIN marker and just past the END marker. */
  readonly start: number;
  readonly end: number;
  /**
   * DER of the certificate, set for certificate labels only (other blocks, keys included, are
   * located but never decoded, so no key material is kept). For `TRUSTED CERTIFICATE` the
   * OpenSSL trust settings that follow the certificate are cut off.
   */
  readonly der?: Buffer;
}

/** A broken PEM block: the text is PEM but cannot be read. */
export class PemFormatError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'PemFormatError';
  }
}

const MARKER = /-----(BEGIN|END) ([A-Z0-9][A-Z0-9 ]*?)-----/g;

/** Offsets where each line starts, for offset -> line. Handles `\n`, `\r\n` and lone `\r`. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts;
}

/** 1-based line of `offset`, given `lineStarts(text)`. */
export function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/**
 * Every PEM block in `text`, in order. Throws `PemFormatError` for a BEGIN without its END, an
 * END without a BEGIN, mismatched labels, or a certificate body that is not base64 DER.
 */
export function scanPemBlocks(text: string): PemBlock[] {
  const starts = lineStarts(text);
  const blocks: PemBlock[] = [];
  let open: { label: string; start: number; bodyStart: number; line: number } | undefined;
  for (const m of text.matchAll(MARKER)) {
    const kind = m[1];
    const label = m[2] ?? '';
    const at = m.index ?? 0;
    const line = lineOf(starts, at);
    if (kind === 'BEGIN') {
      if (open) throw new PemFormatError(`"BEGIN ${open.label}" at line ${open.line} has no matching END before the next BEGIN`, open.line);
      open = { label, start: at, bodyStart: at + m[0].length, line };
      continue;
    }
    if (!open) throw new PemFormatError(`"END ${label}" has no matching BEGIN`, line);
    if (open.label !== label) {
      throw new PemFormatError(`"BEGIN ${open.label}" at line ${open.line} is closed by "END ${label}"`, open.line);
    }
    const end = at + m[0].length;
    const block: PemBlock = CERT_LABELS.has(label)
      ? { label, line: open.line, start: open.start, end, der: decodeCertBody(text.slice(open.bodyStart, at), label, open.line) }
      : { label, line: open.line, start: open.start, end };
    blocks.push(block);
    open = undefined;
  }
  if (open) throw new PemFormatError(`"BEGIN ${open.label}" at line ${open.line} has no END (truncated copy?)`, open.line);
  return blocks;
}

/** DER buffers of the certificates in `text`, in the order they appear. */
export function parsePemBundle(text: string): Buffer[] {
  const out: Buffer[] = [];
  for (const b of scanPemBlocks(text)) if (b.der) out.push(b.der);
  return out;
}

function decodeCertBody(body: string, label: string, line: number): Buffer {
  if (/^[ \t]*[A-Za-z-]+:/m.test(body)) {
    throw new PemFormatError(`${label} block at line ${line} has RFC 1421 headers; a certificate has none`, line);
  }
  const b64 = body.replace(/\s+/g, '');
  if (b64.length === 0) throw new PemFormatError(`${label} block at line ${line} is empty`, line);
  const bad = /[^A-Za-z0-9+/=]/.exec(b64);
  if (bad) throw new PemFormatError(`${label} block at line ${line} has a character that is not base64: ${JSON.stringify(bad[0])}`, line);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 === 1) {
    throw new PemFormatError(`${label} block at line ${line} is not valid base64 (misplaced "=" or truncated)`, line);
  }
  const raw = Buffer.from(b64, 'base64');
  const len = derElementLength(raw);
  if (len === undefined) throw new PemFormatError(`${label} block at line ${line} does not hold DER (no ASN.1 SEQUENCE)`, line);
  if (len > raw.length) throw new PemFormatError(`${label} block at line ${line} is truncated: DER says ${len} bytes, found ${raw.length}`, line);
  // TRUSTED CERTIFICATE = certificate DER followed by X509_CERT_AUX; keep the certificate only.
  return len === raw.length ? raw : Buffer.from(raw.subarray(0, len));
}

/** Length of the first DER element if it is a SEQUENCE with a definite length, header included. */
export function derElementLength(der: Uint8Array): number | undefined {
  if (der.length < 2 || der[0] !== 0x30) return undefined;
  const first = der[1] ?? 0;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (der[2 + i] ?? 0);
  return 2 + n + len;
}
