import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, icsTime, icsUid } from '../../server/src/mail/ics-format';
import { buildIcs, icsDataUrl } from '../src/ics';

describe('ics', () => {
  const ics = buildIcs({
    reference: 'APT-2025-000123',
    start: '2025-10-28T08:00:00.000Z',
    end: '2025-10-28T08:30:00.000Z',
    summary: 'Haircut, wash; style',
    description: 'Reference: APT-2025-000123\nSee you',
    now: new Date('2025-10-01T12:00:00Z'),
  });

  it('is one VEVENT in UTC with CRLF lines', () => {
    const lines = ics.split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    // The sidecar's UID for this reference: its invitation and cancellation mails update this entry.
    expect(lines).toContain('UID:apt-2025-000123@appointease');
    expect(lines).toContain(`UID:${icsUid('APT-2025-000123')}`);
    expect(lines).toContain('DTSTART:20251028T080000Z');
    expect(lines).toContain('DTEND:20251028T083000Z');
    expect(lines).toContain('DTSTAMP:20251001T120000Z');
    expect(lines).toContain('SUMMARY:Haircut\\, wash\\; style');
    expect(lines).toContain('DESCRIPTION:Reference: APT-2025-000123\\nSee you');
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/\n/);
  });

  it('escapes backslashes first', () => expect(escapeText('a\\b,c')).toBe('a\\\\b\\,c'));

  it('folds long lines at 75 octets without splitting characters', () => {
    const long = 'SUMMARY:' + 'ü'.repeat(60);
    const folded = foldLine(long);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(new TextEncoder().encode(p).length).toBeLessThanOrEqual(75);
    expect(parts.slice(1).every((p) => p.startsWith(' '))).toBe(true);
    expect(folded.replace(/\r\n /g, '')).toBe(long);
    expect(foldLine('SHORT:x')).toBe('SHORT:x');
  });

  it('icsTime and data URL', () => {
    expect(icsTime('2025-01-02T03:04:05.678Z')).toBe('20250102T030405Z');
    expect(decodeURIComponent(icsDataUrl(ics).split(',').slice(1).join(','))).toBe(ics);
  });
});
