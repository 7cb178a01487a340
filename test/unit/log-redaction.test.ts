import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/src/logger';
import { redactedErr, scrubMessage, scrubSql } from '../../server/src/log-redaction';
import { captureLogs } from '../helpers/logs';

/** mysql2's error as it arrives (the shape logged by a failed query: message, sqlMessage, sql with the values inlined). */
function mysqlError(): Error {
  const e = new Error("Duplicate entry '+49 170 5550123' for key 'wp_appointease_customers.test_phone'");
  return Object.assign(e, {
    code: 'ER_DUP_ENTRY',
    errno: 1062,
    sqlState: '23000',
    sqlMessage: e.message,
    sql: "INSERT INTO `wp_appointease_customers` (name, email, phone, total_appointments, created_at) VALUES ('Zoë O\\'Brien', 'zoe.obrien@example.com', '+49 170 5550123', 1, UTC_TIMESTAMP())",
  });
}

describe('customer data never reaches the logs', () => {
  it('SQL text keeps its shape, loses every string literal', () => {
    expect(scrubSql("SELECT * FROM t WHERE email = 'a@b.example' AND name = 'It''s me' AND n = \"Dq\\\"x\" AND id = 42")).toBe(
      "SELECT * FROM t WHERE email = '?' AND name = '?' AND n = '?' AND id = 42",
    );
  });

  it('MySQL messages lose quoted values but keep the names of keys, columns and tables', () => {
    expect(scrubMessage("Duplicate entry 'Jane Doe' for key 'uniq_name'")).toBe("Duplicate entry '?' for key 'uniq_name'");
    expect(scrubMessage("Data too long for column 'email' at row 1")).toBe("Data too long for column 'email' at row 1");
    expect(scrubMessage("Incorrect integer value: 'Jane' for column `db`.`t`.`n` at row 1")).toBe("Incorrect integer value: '?' for column `db`.`t`.`n` at row 1");
    expect(scrubMessage("Unknown column 'x' in 'field list'")).toBe("Unknown column 'x' in 'field list'");
    expect(scrubMessage("You have an error in your SQL syntax; check the manual near 'Jane', '555-0100')' at line 1")).not.toMatch(/Jane|555/);
    expect(scrubMessage('mail to <jane.doe+book@example.co.uk> rejected: 550')).toBe('mail to <[email]> rejected: 550');
  });

  it('the err serializer scrubs message, stack, sqlMessage and sql of a mysql2 error, and wrapped ones', () => {
    const out = JSON.stringify(redactedErr(mysqlError()));
    for (const secret of ['5550123', 'zoe', 'Zoë', 'Brien']) expect(out).not.toContain(secret);
    const e = redactedErr(mysqlError()) as Record<string, string>;
    expect(e.code).toBe('ER_DUP_ENTRY');
    expect(e.sqlMessage).toBe("Duplicate entry '?' for key 'wp_appointease_customers.test_phone'");
    expect(e.sql).toContain("VALUES ('?', '?', '?', 1, UTC_TIMESTAMP())");
    expect(e.stack.split('\n')[0]).toBe("Error: Duplicate entry '?' for key 'wp_appointease_customers.test_phone'");

    const wrapped = new Error('booking failed', { cause: mysqlError() });
    expect(JSON.stringify(redactedErr(wrapped))).not.toMatch(/5550123|zoe|Brien/);
    const aggregate = new AggregateError([mysqlError()], 'several');
    expect(JSON.stringify(redactedErr(aggregate))).not.toMatch(/5550123|zoe|Brien/);
  });

  it('keeps a plain bug readable (only addresses go)', () => {
    const e = redactedErr(new TypeError("Cannot read properties of undefined (reading 'split') for jane@example.com")) as Record<string, string>;
    expect(e.message).toBe("Cannot read properties of undefined (reading 'split') for [email]");
    expect(e.type).toBe('TypeError');
  });

  it('through a real logger: err as an object or as a message string', () => {
    const logs = captureLogs();
    const logger = createLogger({ logLevel: 'info' }, logs.stream);
    logger.error({ err: mysqlError(), requestId: 'r1' }, 'unhandled error');
    logger.warn({ err: mysqlError().message }, 'could not purge');
    logger.info({ customer: { email: 'x@example.com' } }, 'nested email field');
    const text = logs.text();
    for (const secret of ['5550123', 'zoe.obrien', 'Zoë', 'x@example.com']) expect(text).not.toContain(secret);
    expect(logs.lines()[0]).toMatchObject({ msg: 'unhandled error', requestId: 'r1', err: { code: 'ER_DUP_ENTRY', type: 'Error' } });
  });
});
