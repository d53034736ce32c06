/**
 * The few file operations a journal needs, behind an interface so tests can
 * count syncs and inject the failures a disk produces (ENOSPC, EIO, EBADF).
 */
import { constants, fdatasyncSync, writeSync } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { syncDirectory } from "../files.js";

export interface JournalFile {
  size(): Promise<number>;
  read(position: number, length: number): Promise<Buffer>;
  /** Writes all of `data` at `position` (positional, so a failed batch can be cut off exactly). */
  write(data: Uint8Array, position: number): Promise<void>;
  /** fdatasync(2): the written bytes and the file size reach stable storage. */
  datasync(): Promise<void>;
  /**
   * `write` then `datasync` in one request, where the file can: resolves once the bytes and the file size are on
   * stable storage. Absent, the journal calls the two (test doubles inject their failures there).
   */
  writeDurably?(data: Uint8Array, position: number): Promise<void>;
  /**
   * `writeDurably` on the calling thread: returns once the bytes and the file size are on stable storage, the event
   * loop waiting meanwhile. The journal uses it only while such writes stay fast (inline-writes.ts).
   */
  writeDurablyNow?(data: Uint8Array, position: number): void;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export type JournalFileOpener = (path: string) => Promise<JournalFile>;

/**
 * O_DSYNC where the platform has it (Linux, macOS): each write returns once its bytes and the file size are on stable
 * storage, as write + fdatasync would, in one system call and one trip through libuv's thread pool instead of two.
 */
const DSYNC: number = constants.O_DSYNC ?? 0;

/** Opens (creating if needed, mode 0600) a journal file on the local file system. */
export const openNodeJournalFile: JournalFileOpener = async (path) => {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let handle: FileHandle;
  let created = false;
  try {
    handle = await open(path, constants.O_RDWR | DSYNC);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    handle = await open(path, constants.O_RDWR | constants.O_CREAT | DSYNC, 0o600);
    created = true;
  }
  // A new file's directory entry is only durable once its directory is synced.
  if (created) await syncDirectory(dirname(path));
  return new NodeJournalFile(handle);
};

class NodeJournalFile implements JournalFile {
  constructor(private readonly handle: FileHandle) {}

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  async read(position: number, length: number): Promise<Buffer> {
    const buffer = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await this.handle.write(data, written, data.length - written, position + written);
      written += bytesWritten;
    }
  }

  async datasync(): Promise<void> {
    await this.handle.datasync();
  }

  async writeDurably(data: Uint8Array, position: number): Promise<void> {
    await this.write(data, position);
    // Without O_DSYNC the write left the bytes in the page cache.
    if (DSYNC === 0) await this.datasync();
  }

  writeDurablyNow(data: Uint8Array, position: number): void {
    let written = 0;
    while (written < data.length) {
      written += writeSync(this.handle.fd, data, written, data.length - written, position + written);
    }
    if (DSYNC === 0) fdatasyncSync(this.handle.fd);
  }

  async truncate(length: number): Promise<void> {
    await this.handle.truncate(length);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
