import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { adminLockViewSchema, holdSchema, slotEventSchema } from '../../server/src/contract';
import { adminView, publicView } from '../../server/src/realtime/protocol';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((f) => {
    const p = join(dir, f);
    return statSync(join(ROOT, p)).isDirectory() ? sources(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

/** Issue 12 item 6: the wire shapes are defined once (server/src/contract.ts) and cost the bundles nothing. */
describe('contract types shared with the widget and wp-admin', () => {
  it.each(['widget/src', 'wp-bridge/admin-src/src'])('%s imports the contract only as types (erased from the bundle)', (dir) => {
    const imports = sources(dir).flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']*server\/src\/contract)'/gms)].map((m) => ({ file, typeOnly: Boolean(m[1]) })),
    );
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((i) => !i.typeOnly)).toEqual([]);
  });

  it('what the feeds send is what the schema describes (public: no owner, expiry or service)', () => {
    const event = slotEventSchema.parse({ type: 'slot_locked', date: '2030-01-02', time: '09:00', times: ['09:00', '09:30'], employeeId: 2, ts: 1, owner: '203.0.113.9', expiresAt: '2030-01-02T08:05:00.000Z', serviceId: 4 });
    expect(slotEventSchema.parse(adminView(event))).toEqual(event);
    const pub = slotEventSchema.parse(publicView(event));
    expect(pub).not.toHaveProperty('owner');
    expect(pub).not.toHaveProperty('expiresAt');
    expect(() => slotEventSchema.parse({ ...event, type: 'slot_stolen' })).toThrow();
  });

  it('a hold and an admin lock view reject a missing field', () => {
    const hold = { lockToken: 't', date: '2030-01-02', time: '09:00', times: ['09:00'], employeeId: 2, serviceId: 4, expiresAt: '2030-01-02T08:05:00.000Z', ttlSeconds: 300 };
    expect(holdSchema.parse(hold)).toEqual(hold);
    expect(() => holdSchema.parse({ ...hold, lockToken: undefined })).toThrow();
    const { lockToken: _t, ...rest } = hold;
    expect(() => adminLockViewSchema.parse({ ...rest, endTime: '09:30', owner: 'x', store: 'redis' })).not.toThrow();
    expect(() => adminLockViewSchema.parse({ ...rest, endTime: '09:30', owner: 'x', store: 'memcached' })).toThrow();
  });
});
