/** A tiny browser: keeps cookies per origin (name → value), follows redirects one by one (at most `maxHops` requests). */
export class Browser {
  readonly jar = new Map<string, Map<string, string>>();
  readonly visited: string[] = [];

  async go(url: string, init: RequestInit = {}, maxHops = 10): Promise<Response> {
    let current = url;
    for (let hop = 0; hop < maxHops; hop++) {
      const origin = new URL(current).origin;
      const cookies = [...(this.jar.get(origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(current, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookies ? { cookie: cookies } : {}) } });
      this.visited.push(`${res.status} ${new URL(current).pathname}`);
      for (const raw of res.headers.getSetCookie()) {
        const [pair = ''] = raw.split(';');
        const eq = pair.indexOf('=');
        const jar = this.jar.get(origin) ?? new Map<string, string>();
        const value = pair.slice(eq + 1);
        if (value === '' || /max-age=0/i.test(raw)) jar.delete(pair.slice(0, eq));
        else jar.set(pair.slice(0, eq), value);
        this.jar.set(origin, jar);
      }
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location || hop === maxHops - 1) return res;
      current = new URL(location, current).toString();
      init = {};
    }
    throw new Error(`too many redirects: ${this.visited.join(' → ')}`);
  }
}
