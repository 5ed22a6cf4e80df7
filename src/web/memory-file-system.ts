import { dirname, join, normalize as normalizePath } from 'pathe';

/** An error as Node's file system throws it: the `code` the core's readers tell apart. */
function fsError(code: 'ENOENT' | 'EISDIR' | 'ENOTDIR' | 'EEXIST' | 'ERR_FS_EISDIR', path: string): Error {
  const meanings = {
    ENOENT: 'no such file or directory',
    EISDIR: 'illegal operation on a directory',
    ENOTDIR: 'not a directory',
    EEXIST: 'file already exists',
    ERR_FS_EISDIR: 'is a directory (rm without recursive)',
  };
  return Object.assign(new Error(`${code}: ${meanings[code]}, '${path}'`), { code, path });
}

/** What `stat` and `readdir({ withFileTypes })` give: the part of Node's Stats and Dirent the core reads. */
export interface MemoryEntry {
  name: string;
  size: number;
  isFile(): boolean;
  isDirectory(): boolean;
}

/**
 * Files held in memory, with the part of Node's `node:fs` and `node:fs/promises` API that
 * deepmetric's readers and writers call (`existsSync`, `statSync`, `readdirSync`,
 * `readFileSync`; `readFile`, `readdir`, `stat`, `mkdir`, `rename`, `rm`, `open`, `appendFile`),
 * with Node's error codes. A page mounts the files a user dropped in one and provides it as the
 * file system (`provideNodeModule`): the same code then reads them as it reads files in Node.
 *
 * @example
 * const files = new MemoryFileSystem();
 * files.write('/input/emb.npy', bytes);
 * files.sync.readFileSync('/input/emb.npy'); // the bytes
 */
export class MemoryFileSystem {
  private readonly files = new Map<string, Uint8Array>();
  private readonly dirs = new Set<string>(['/']);

  /** Puts a file at `path` (absolute), creating its folders. */
  write(path: string, bytes: Uint8Array): void {
    const p = normalize(path);
    this.mkdirs(dirname(p));
    this.files.set(p, bytes);
  }

  /** Every file below `dir`, by path. */
  list(dir = '/'): string[] {
    const prefix = normalize(dir) === '/' ? '/' : `${normalize(dir)}/`;
    return [...this.files.keys()].filter((p) => p.startsWith(prefix)).sort();
  }

  /** Removes every file and folder. */
  clear(): void {
    this.files.clear();
    this.dirs.clear();
    this.dirs.add('/');
  }

  /** The synchronous calls, as `node:fs` has them. */
  readonly sync = {
    existsSync: (path: string): boolean => this.kind(path) !== null,
    statSync: (path: string): MemoryEntry => this.entry(path),
    readdirSync: (path: string, options?: { withFileTypes?: boolean }) => this.readdir(path, options),
    readFileSync: (path: string, encoding?: 'utf8' | 'utf-8') => this.read(path, encoding),
  };

  /** The asynchronous calls, as `node:fs/promises` has them. */
  readonly promises = {
    readFile: async (path: string, encoding?: 'utf8' | 'utf-8') => this.read(path, encoding),
    readdir: async (path: string, options?: { withFileTypes?: boolean }) => this.readdir(path, options),
    stat: async (path: string): Promise<MemoryEntry> => this.entry(path),
    mkdir: async (path: string, options?: { recursive?: boolean }): Promise<void> => {
      const p = normalize(path);
      if (this.kind(p) === 'file') throw fsError('EEXIST', path);
      if (!options?.recursive && this.kind(dirname(p)) !== 'dir') throw fsError('ENOENT', path);
      this.mkdirs(p);
    },
    rename: async (from: string, to: string): Promise<void> => this.rename(normalize(from), normalize(to)),
    rm: async (path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void> => {
      const p = normalize(path);
      const kind = this.kind(p);
      if (kind === null) {
        if (options?.force) return;
        throw fsError('ENOENT', path);
      }
      if (kind === 'file') this.files.delete(p);
      else {
        if (!options?.recursive) throw fsError('ERR_FS_EISDIR', path);
        for (const f of this.list(p)) this.files.delete(f);
        for (const d of [...this.dirs]) if (d === p || d.startsWith(`${p}/`)) this.dirs.delete(d);
      }
    },
    appendFile: async (path: string, data: string | Uint8Array): Promise<void> => {
      const p = normalize(path);
      const old = this.kind(p) === 'file' ? this.files.get(p)! : new Uint8Array(0);
      this.write(p, concat(old, bytesOf(data)));
    },
    open: async (path: string, flags: 'r' | 'w' = 'r') => this.open(normalize(path), flags),
  };

  private open(path: string, flags: 'r' | 'w') {
    if (flags === 'w') {
      if (this.kind(dirname(path)) !== 'dir') throw fsError('ENOENT', path);
      this.files.set(path, new Uint8Array(0));
    } else if (this.kind(path) !== 'file') {
      throw fsError(this.kind(path) === 'dir' ? 'EISDIR' : 'ENOENT', path);
    }
    return {
      writeFile: async (data: string | Uint8Array) => void this.files.set(path, bytesOf(data)),
      read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
        const bytes = this.files.get(path)!.subarray(position, position + length);
        buffer.set(bytes, offset);
        return { bytesRead: bytes.length, buffer };
      },
      stat: async () => this.entry(path),
      sync: async () => undefined,
      close: async () => undefined,
    };
  }

  private kind(path: string): 'file' | 'dir' | null {
    const p = normalize(path);
    return this.files.has(p) ? 'file' : this.dirs.has(p) ? 'dir' : null;
  }

  private entry(path: string): MemoryEntry {
    const p = normalize(path);
    const kind = this.kind(p);
    if (kind === null) throw fsError('ENOENT', path);
    return dirent(p.slice(p.lastIndexOf('/') + 1), kind, kind === 'file' ? this.files.get(p)!.length : 0);
  }

  private read(path: string, encoding?: 'utf8' | 'utf-8'): Uint8Array & string {
    const p = normalize(path);
    const kind = this.kind(p);
    if (kind !== 'file') throw fsError(kind === 'dir' ? 'EISDIR' : 'ENOENT', path);
    const bytes = this.files.get(p)!;
    // Node returns a string with an encoding and bytes without: one signature for both callers.
    return (encoding === undefined ? bytes : new TextDecoder('utf-8').decode(bytes)) as Uint8Array & string;
  }

  private readdir(path: string, options?: { withFileTypes?: boolean }): MemoryEntry[] & string[] {
    const p = normalize(path);
    const kind = this.kind(p);
    if (kind !== 'dir') throw fsError(kind === 'file' ? 'ENOTDIR' : 'ENOENT', path);
    const prefix = p === '/' ? '/' : `${p}/`;
    const children = new Map<string, MemoryEntry>();
    for (const [f, bytes] of this.files) {
      if (f.startsWith(prefix) && !f.slice(prefix.length).includes('/')) {
        children.set(f.slice(prefix.length), dirent(f.slice(prefix.length), 'file', bytes.length));
      }
    }
    for (const d of this.dirs) {
      if (d !== p && d.startsWith(prefix) && !d.slice(prefix.length).includes('/')) {
        children.set(d.slice(prefix.length), dirent(d.slice(prefix.length), 'dir', 0));
      }
    }
    const sorted = [...children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return (options?.withFileTypes ? sorted : sorted.map((e) => e.name)) as MemoryEntry[] & string[];
  }

  private rename(from: string, to: string): void {
    const kind = this.kind(from);
    if (kind === null || this.kind(dirname(to)) !== 'dir') throw fsError('ENOENT', from);
    if (kind === 'file') {
      this.files.set(to, this.files.get(from)!);
      this.files.delete(from);
      return;
    }
    for (const f of this.list(to)) this.files.delete(f);
    for (const f of this.list(from)) {
      this.files.set(join(to, f.slice(from.length)), this.files.get(f)!);
      this.files.delete(f);
    }
    for (const d of [...this.dirs]) {
      if (d === from || d.startsWith(`${from}/`)) {
        this.dirs.delete(d);
        this.dirs.add(to + d.slice(from.length));
      }
    }
  }

  private mkdirs(dir: string): void {
    for (let d = normalize(dir); !this.dirs.has(d); d = dirname(d)) this.dirs.add(d);
  }
}

/** A path as the map keys it: normalized, without a trailing separator (Node accepts 'dir/' for 'dir'). */
function normalize(path: string): string {
  const p = normalizePath(path);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function dirent(name: string, kind: 'file' | 'dir', size: number): MemoryEntry {
  return { name, size, isFile: () => kind === 'file', isDirectory: () => kind === 'dir' };
}

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
