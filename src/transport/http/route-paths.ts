/**
 * Which methods the app serves on a path, for the `405 Method Not Allowed` answer and its `Allow` header (RFC 9110
 * section 15.5.6). Fastify answers a known path with an unknown method like an unknown path, so the not-found handler
 * asks here. Patterns are fastify's: `:param` is one path segment, a trailing `*` the rest of the path.
 */
export class RoutePaths {
  readonly #patterns = new Map<string, { regex: RegExp; methods: Set<string> }>();

  add(method: string, url: string): void {
    let entry = this.#patterns.get(url);
    if (entry === undefined) {
      entry = { regex: patternRegex(url), methods: new Set() };
      this.#patterns.set(url, entry);
    }
    entry.methods.add(method);
  }

  /** The methods of every route whose pattern matches the path of `url` (its query ignored), sorted. */
  methodsFor(url: string): string[] {
    const path = url.split("?")[0]!;
    const methods = new Set<string>();
    for (const { regex, methods: served } of this.#patterns.values())
      if (regex.test(path)) for (const method of served) methods.add(method);
    return [...methods].sort();
  }
}

function patternRegex(url: string): RegExp {
  const source = url
    .split("/")
    .map((segment) => {
      if (segment === "*") return ".*";
      if (segment.startsWith(":")) return "[^/]+";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}$`);
}
