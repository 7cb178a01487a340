import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { isLateReply, isOutage } from '../../server/src/redis/guard';

/** Errors shaped as ioredis and node raise them; the class names are what redis-errors gives its subclasses. */
function named(name: string, message: string): Error {
  const e = new Error(message);
  Object.defineProperty(e, 'name', { value: name });
  return e;
}
function withCode(code: string, message = `connect ${code} 127.0.0.1:6379`): Error {
  return Object.assign(new Error(message), { code });
}

describe('isOutage: only real outages open the breaker', () => {
  it.each([
    ['LOADING Redis is loading the dataset in memory'],
    ['BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'],
    ["MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."],
    ["READONLY You can't write against a read only replica."],
    ["OOM command not allowed when used memory > 'maxmemory'."],
    ['MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.'],
    ['NOREPLICAS Not enough good replicas to write.'],
    ['CLUSTERDOWN The cluster is down'],
    ['TRYAGAIN Multiple keys request during rehashing of slot'],
  ])('a "cannot serve" reply: %s', (message) => {
    expect(isOutage(new ReplyError(message))).toBe(true);
  });

  it.each([
    ['WRONGTYPE Operation against a key holding the wrong kind of value'],
    ['ERR user_script:12: Script attempted to access nonexistent global variable \'x\' script: 3f4e…, on @user_script:12.'],
    ['WRONGTYPE Operation against a key holding the wrong kind of value script: 3f4e…, on @user_script:7.'],
    ['ERR wrong number of arguments for \'get\' command'],
    ['NOSCRIPT No matching script. Please use EVAL.'],
    ['BUSYKEY Target key name already exists.'],
    ['READONLYX not a real reply'],
  ])('an answer from a healthy Redis: %s', (message) => {
    expect(isOutage(new ReplyError(message))).toBe(false);
  });

  it.each([
    ['Command timed out', new Error('Command timed out')],
    ['closed connection', new Error('Connection is closed.')],
    ['no offline queue while disconnected', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['aborted on close', named('AbortError', 'Command aborted due to connection close')],
    ['out of retries', named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 0).')],
    ['protocol garbage', named('ParserError', 'Protocol error, got "H" as reply type byte')],
    ['refused', withCode('ECONNREFUSED')],
    ['reset', withCode('ECONNRESET', 'read ECONNRESET')],
    ['broken pipe', withCode('EPIPE', 'write EPIPE')],
    ['connect timeout', withCode('ETIMEDOUT')],
    ['no route', withCode('EHOSTUNREACH')],
    ['dns', withCode('EAI_AGAIN', 'getaddrinfo EAI_AGAIN redis')],
    ['sentinels gone', new Error('All sentinels are unreachable. Retrying from scratch after 10ms.')],
  ])('a connection-level failure: %s', (_what, err) => {
    expect(isOutage(err)).toBe(true);
  });

  it.each([
    ['TypeError in our callback', new TypeError("Cannot read properties of undefined (reading 'split')")],
    ['JSON.parse of a corrupt value', new SyntaxError('Unexpected end of JSON input')],
    ['our own invariant', new Error('otp-attempt returned unexpected code 7')],
    ['RangeError', new RangeError('Invalid time value')],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
    ['our message quoting a timeout', new Error('plan for 2025-01-01 unreadable: Command timed out')],
  ])('a bug is not an outage: %s', (_what, err) => {
    expect(isOutage(err)).toBe(false);
  });
});

describe('isLateReply: only a sent command whose reply is late has an unknown outcome', () => {
  it('ioredis\'s command timeout', () => {
    expect(isLateReply(new Error('Command timed out'))).toBe(true);
  });

  it.each([
    ['closed connection', new Error('Connection is closed.')],
    ['not sent at all', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['refused', withCode('ECONNREFUSED')],
    ['READONLY', new ReplyError("READONLY You can't write against a read only replica.")],
    ['our message quoting a timeout', new Error('plan unreadable: Command timed out')],
  ])('known outcomes: %s', (_what, err) => {
    expect(isLateReply(err)).toBe(false);
  });
});
