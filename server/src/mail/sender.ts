/** MAIL_FROM, read: `Name <addr@host>` or a bare address → name (maybe empty) and address. */
export function senderAddress(from: string): { name: string; email: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  if (m) return { name: m[1]!.trim(), email: m[2]!.trim() };
  return { name: '', email: from.trim() };
}

/** MAIL_FROM's default names the product, not the business: the site's name replaces it. */
export function isProductName(name: string): boolean {
  return name.trim() === '' || name.trim().toLowerCase() === 'appointease';
}
