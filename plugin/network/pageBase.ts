/** The base a relative URL resolves against (the middleware may answer one): the page's own address, or `http://localhost/` outside a browser. */
export function pageBase(): string {
  return typeof location === 'undefined' ? 'http://localhost/' : location.href;
}
