// The kernels' flat ABI: offsets into the one exported memory, byte lengths, i32 status codes
// (assembly/status.ts). No managed objects cross the boundary (runtime "stub").
import { KEY_BASE, KEY_CAPACITY, IO_BASE, IO_CAPACITY } from "./arena";
import { preparePublic, preparePrivate, publicBlockBytes, privateBlockBytes } from "./key-block";
import { rsaPublic, rsaPrivate } from "./rsa";
import { lanesProbe } from "./lanes";

export function key_area(): usize {
  return KEY_BASE;
}
export function key_area_bytes(): usize {
  return KEY_CAPACITY;
}
export function io_area(): usize {
  return IO_BASE;
}
export function io_area_bytes(): usize {
  return IO_CAPACITY;
}

export function rsa_public_block_bytes(bits: i32): i32 {
  return publicBlockBytes(bits);
}
export function rsa_private_block_bytes(bits: i32): i32 {
  return privateBlockBytes(bits);
}

export function rsa_prepare_public(raw: usize, rawLen: i32, out: usize, outLen: i32): i32 {
  return preparePublic(raw, rawLen, out, outLen);
}
export function rsa_prepare_private(raw: usize, rawLen: i32, out: usize, outLen: i32): i32 {
  return preparePrivate(raw, rawLen, out, outLen);
}
export function rsa_public(key: usize, keyLen: i32, io: usize, ioLen: i32): i32 {
  return rsaPublic(key, keyLen, io, ioLen);
}
export function rsa_private(key: usize, keyLen: i32, io: usize, ioLen: i32): i32 {
  return rsaPrivate(key, keyLen, io, ioLen);
}

/** 1 when this module's lane arithmetic holds on this engine (lanes.ts); the loader checks it. */
export function lanes_probe(a: f64, c: f64): i32 {
  return lanesProbe(a, c);
}
