/**
 * A strict DER reader for ECDSA-Sig-Value (RFC 3279 section 2.2.3), used only
 * to feed Wycheproof's DER-encoded ECDSA vectors to our r‖s API. Anything
 * that is not minimal DER of SEQUENCE { INTEGER r, INTEGER s } is refused
 * (returns undefined), so BER variants count as rejected.
 */
export function derSignatureToP1363(der: Uint8Array, scalarBytes: number): Uint8Array | undefined {
  let offset = 0;
  const readLength = (): number | undefined => {
    const first = der[offset++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    const count = first & 0x7f;
    if (count === 0 || count > 2) return undefined;
    let length = 0;
    for (let i = 0; i < count; i++) {
      const byte = der[offset++];
      if (byte === undefined) return undefined;
      length = (length << 8) | byte;
    }
    // Minimal length encoding: long form only for 128 and above, no leading zero byte.
    if (length < 0x80 || (count === 2 && length < 0x100)) return undefined;
    return length;
  };
  const readInteger = (): Uint8Array | undefined => {
    if (der[offset++] !== 0x02) return undefined;
    const length = readLength();
    if (length === undefined || length === 0 || offset + length > der.length) return undefined;
    const value = der.subarray(offset, offset + length);
    offset += length;
    if (value[0]! & 0x80) return undefined; // negative
    if (value.length > 1 && value[0] === 0 && !(value[1]! & 0x80)) return undefined; // non-minimal
    const magnitude = value[0] === 0 ? value.subarray(1) : value;
    return magnitude.length > scalarBytes ? undefined : magnitude;
  };
  if (der[offset++] !== 0x30) return undefined;
  const sequenceLength = readLength();
  if (sequenceLength === undefined || offset + sequenceLength !== der.length) return undefined;
  const r = readInteger();
  const s = readInteger();
  if (r === undefined || s === undefined || offset !== der.length) return undefined;
  const out = new Uint8Array(2 * scalarBytes);
  out.set(r, scalarBytes - r.length);
  out.set(s, 2 * scalarBytes - s.length);
  return out;
}
