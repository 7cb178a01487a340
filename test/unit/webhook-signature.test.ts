import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signPayload, verifySignature } from '../../server/src/webhooks/signature';
import { buildWebhookEvent, deliveryHeaders, isWebhookEventType, newEventId } from '../../server/src/webhooks/webhook-event';

const SECRET = 'whsec_test_secret_0123456789abcdefghij';
const BODY = '{"id":"evt_1","type":"appointment.booked"}';

describe('webhook signature (t=…,v1=HMAC-SHA256(secret, "t.body"))', () => {
  it('matches an HMAC computed independently (Python hmac)', () => {
    expect(signPayload(SECRET, BODY, 1_700_000_000)).toBe('t=1700000000,v1=e67af24ea0a8e37879e6e2b041be97f16390fb2ebff953a3da0a2419573090b2');
  });

  it('verifies what it signs, for any body and secret', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 32 }), fc.string(), fc.integer({ min: 0, max: 4_000_000_000 }), (secret, body, t) => {
        expect(verifySignature(signPayload(secret, body, t), body, secret, { nowSeconds: t })).toEqual({ ok: true, timestamp: t });
      }),
    );
  });

  it('rejects a changed body, another secret, a moved timestamp and an old one', () => {
    const header = signPayload(SECRET, BODY, 1_700_000_000);
    const now = { nowSeconds: 1_700_000_010 };
    expect(verifySignature(header, BODY, SECRET, now)).toEqual({ ok: true, timestamp: 1_700_000_000 });
    expect(verifySignature(header, BODY.replace('booked', 'cancelled'), SECRET, now)).toEqual({ ok: false, reason: 'no_match' });
    expect(verifySignature(header, BODY, `${SECRET}x`, now)).toEqual({ ok: false, reason: 'no_match' });
    expect(verifySignature(header.replace('t=1700000000', 't=1700000005'), BODY, SECRET, now)).toEqual({ ok: false, reason: 'no_match' });
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: 1_700_000_301 })).toEqual({ ok: false, reason: 'too_old' });
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: 1_700_000_301, toleranceSeconds: 600 })).toMatchObject({ ok: true });
  });

  it('accepts any matching v1 among several (secret rotation) and rejects malformed headers', () => {
    const good = signPayload(SECRET, BODY, 1_700_000_000);
    const other = signPayload('another-secret-of-at-least-32-chars!!', BODY, 1_700_000_000).split(',')[1];
    expect(verifySignature(`${good.split(',')[0]},${other},${good.split(',')[1]}`, BODY, SECRET, { nowSeconds: 1_700_000_000 })).toMatchObject({ ok: true });
    for (const header of [undefined, '', 't=1700000000', 'v1=abc', 't=x,v1=' + 'a'.repeat(64), 't=1700000000,v0=' + 'a'.repeat(64)]) {
      expect(verifySignature(header, BODY, SECRET, { nowSeconds: 1_700_000_000 })).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('signs with several secrets (a rotation): one v1 each, current first, each verifies; none refused', () => {
    const old = 'another-secret-of-at-least-32-chars!!';
    const header = signPayload([SECRET, old], BODY, 1_700_000_000);
    expect(header).toBe(`${signPayload(SECRET, BODY, 1_700_000_000)},${signPayload(old, BODY, 1_700_000_000).split(',')[1]}`);
    for (const secret of [SECRET, old]) expect(verifySignature(header, BODY, secret, { nowSeconds: 1_700_000_000 })).toMatchObject({ ok: true });
    expect(verifySignature(header, BODY, `${SECRET}x`, { nowSeconds: 1_700_000_000 })).toEqual({ ok: false, reason: 'no_match' });
    expect(() => signPayload([], BODY, 1_700_000_000)).toThrow(RangeError);
  });

  it('generates secrets of at least 32 characters that differ', () => {
    const a = generateWebhookSecret();
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(a).not.toBe(generateWebhookSecret());
  });
});

describe('webhook event', () => {
  it('builds the contract body once, with an id the headers repeat', () => {
    const { event, body } = buildWebhookEvent({ type: 'appointment.booked', appointment: { id: 'APT-2025-000001', email: 'c@example.com' }, createdAt: new Date('2025-03-01T10:00:00Z') });
    expect(JSON.parse(body)).toEqual({ id: event.id, type: 'appointment.booked', createdAt: '2025-03-01T10:00:00.000Z', data: { appointment: { id: 'APT-2025-000001', email: 'c@example.com' } } });
    expect(Object.keys(JSON.parse(body))).toEqual(['id', 'type', 'createdAt', 'data']);
    const headers = deliveryHeaders(SECRET, event.id, body, 1_700_000_000);
    expect(headers['Content-Type']).toBe('application/json');
    expect(headers['AppointEase-Event-Id']).toBe(event.id);
    expect(verifySignature(headers['AppointEase-Signature'], body, SECRET, { nowSeconds: 1_700_000_000 })).toMatchObject({ ok: true });
  });

  it('knows the three event names and makes unique ids', () => {
    expect(['appointment.booked', 'appointment.rescheduled', 'appointment.cancelled'].every(isWebhookEventType)).toBe(true);
    expect(isWebhookEventType('appointment.deleted')).toBe(false);
    const ids = new Set(Array.from({ length: 1000 }, newEventId));
    expect(ids.size).toBe(1000);
    expect([...ids][0]).toMatch(/^evt_[0-9a-f]{32}$/);
  });
});
