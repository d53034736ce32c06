/** Production TLS material from operator-provided PEM files (config `tls.certFile`, `tls.keyFile`). */
import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { badParameter } from "../errors.js";

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA bundle for clients that should trust a private CA; not needed by the server itself. */
  readonly caFile?: string;
}

export interface ServerTls {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem?: string;
  readonly caPath?: string;
}

function readPem(field: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw badParameter(field, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
}

/** Reads and checks the files: a certificate chain, a private key that belongs to its first certificate, an optional CA. */
export function loadTls(files: TlsFiles): ServerTls {
  const certPem = readPem("tls.certFile", files.certFile);
  const keyPem = readPem("tls.keyFile", files.keyFile);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw badParameter("tls.certFile", `${files.certFile} does not hold a PEM certificate`);
  }
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    // The key file's content is never echoed: it is secret.
    throw badParameter("tls.keyFile", `${files.keyFile} does not hold a PEM private key (an encrypted key is not supported)`);
  }
  if (!matches) throw badParameter("tls.keyFile", `the key in ${files.keyFile} does not belong to the certificate in ${files.certFile}`);
  if (files.caFile === undefined) return { certPem, keyPem };
  const caPem = readPem("tls.caFile", files.caFile);
  try {
    new X509Certificate(caPem);
  } catch {
    throw badParameter("tls.caFile", `${files.caFile} does not hold a PEM certificate`);
  }
  return { certPem, keyPem, caPem, caPath: files.caFile };
}
