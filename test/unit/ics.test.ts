import { describe, expect, it } from 'vitest';
import { buildIcs } from '../../server/src/mail/ics';
import { foldLine, icsUid, revisionSequence } from '../../server/src/mail/ics-format';
import { icsProp, parseIcs } from '../helpers/mail';

const base = {
  reference: 'APT-2025-000123',
  start: Date.UTC(2025, 9, 28, 8, 0), // 09:00 in Europe/Berlin (CET, after the October change)
  end: Date.UTC(2025, 9, 28, 9, 0),
  summary: 'Cut, colour; and style',
  description: 'Reference APT-2025-000123\nBring a photo',
  organizer: { name: 'Salon "Ana"', email: 'no-reply@example.com' },
  attendee: { name: 'Zoë Ünal', email: 'zoe@example.com' },
  timezone: 'Europe/Berlin',
  sequence: 0,
  method: 'REQUEST' as const,
  stamp: Date.UTC(2025, 9, 1, 12, 0),
};

describe('iCalendar invitations', () => {
  it('parses back with UTC times, a UID from the reference, and escaped text', () => {
    const ics = buildIcs(base);
    expect(ics.endsWith('\r\n')).toBe(true);
    const { components, props } = parseIcs(ics);
    expect(icsProp(props, 'METHOD')!.value).toBe('REQUEST');
    expect(icsProp(props, 'VERSION')!.value).toBe('2.0');
    const ev = components.find((c) => c.name === 'VEVENT')!.props;
    expect(icsProp(ev, 'UID')!.value).toBe('apt-2025-000123@appointease');
    expect(icsProp(ev, 'DTSTART')!.value).toBe('20251028T080000Z');
    expect(icsProp(ev, 'DTEND')!.value).toBe('20251028T090000Z');
    expect(icsProp(ev, 'DTSTAMP')!.value).toBe('20251001T120000Z');
    expect(icsProp(ev, 'SEQUENCE')!.value).toBe('0');
    expect(icsProp(ev, 'SUMMARY')!.value).toBe('Cut, colour; and style');
    expect(icsProp(ev, 'DESCRIPTION')!.value).toBe('Reference APT-2025-000123\nBring a photo');
    expect(icsProp(ev, 'STATUS')!.value).toBe('CONFIRMED');
    expect(icsProp(ev, 'ATTENDEE')!.params.CN).toBe('Zoë Ünal');
    expect(icsProp(ev, 'ATTENDEE')!.value).toBe('mailto:zoe@example.com');
    expect(icsProp(ev, 'ORGANIZER')!.params.CN).toBe('Salon Ana');
  });

  it('a cancellation keeps the UID, says CANCEL and carries a higher SEQUENCE', () => {
    const cancel = parseIcs(buildIcs({ ...base, method: 'CANCEL', sequence: revisionSequence(Date.now()) }));
    const ev = cancel.components.find((c) => c.name === 'VEVENT')!.props;
    expect(icsProp(cancel.props, 'METHOD')!.value).toBe('CANCEL');
    expect(icsProp(ev, 'UID')!.value).toBe(icsUid(base.reference));
    expect(icsProp(ev, 'STATUS')!.value).toBe('CANCELLED');
    expect(Number(icsProp(ev, 'SEQUENCE')!.value)).toBeGreaterThan(0);
    expect(revisionSequence(Date.now() + 5_000)).toBeGreaterThan(revisionSequence(Date.now()));
  });

  it('cannot be broken by user data: line breaks and separators stay inside their property', () => {
    const evil = buildIcs({ ...base, attendee: { name: 'x"\r\nATTENDEE:mailto:evil@example.com', email: 'a@b.example' }, summary: 'a\r\nEND:VEVENT' });
    const ev = parseIcs(evil).components.find((c) => c.name === 'VEVENT')!.props;
    expect(ev.filter((p) => p.name === 'ATTENDEE')).toHaveLength(1);
    expect(icsProp(ev, 'SUMMARY')!.value).toBe('a\nEND:VEVENT');
  });

  it('folds long lines at 75 octets without splitting a UTF-8 character', () => {
    const line = `DESCRIPTION:${'ä'.repeat(100)}`;
    const folded = foldLine(line);
    for (const l of folded.split('\r\n')) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    const ics = buildIcs({ ...base, description: 'ö'.repeat(200) });
    expect(icsProp(parseIcs(ics).components.find((c) => c.name === 'VEVENT')!.props, 'DESCRIPTION')!.value).toBe('ö'.repeat(200));
  });
});
