// grpc-message (PROTOCOL-HTTP2 "Responses"): Percent-Encoded UTF-8. Unencoded bytes are
// %x20-24 / %x26-7E (space and VCHAR except "%"); the rest is "%" 2HEXDIGIT, uppercase.
// Decoding "MUST NOT error or throw away the message".

import t from 'tap';
import { encodeStatusMessage, decodeStatusMessage } from '../src/protocol/status-message.js';

t.test('encode / decode table', async (t) => {
  const cases: Array<[message: string, wire: string]> = [
    ['', ''],
    ['no feature here', 'no feature here'], // space is kept raw
    ['my favorite character is \u0000', 'my favorite character is %00'], // grpc-go test table
    ['my favorite character is %', 'my favorite character is %25'],
    ['100%', '100%25'],
    ['%25', '%2525'], // an already-encoded-looking message is encoded again
    ['系统', '%E7%B3%BB%E7%BB%9F'], // spec example: UTF-8, uppercase hex
    ['ß', '%C3%9F'],
    ['☺', '%E2%98%BA'],
    ['😈', '%F0%9F%98%88'], // non-BMP: one code point, four bytes
    ['tab\there', 'tab%09here'],
    ['line\r\n', 'line%0D%0A'],
    ['\u007f', '%7F'], // DEL is not VCHAR
    ['~!$&\'()*+,;=:@/?#[]{}|^`"<>\\', '~!$&\'()*+,;=:@/?#[]{}|^`"<>\\'], // every other VCHAR stays raw
  ];
  for (const [message, wire] of cases) {
    t.equal(encodeStatusMessage(message), wire, `encode ${JSON.stringify(message)}`);
    t.equal(decodeStatusMessage(wire), message, `decode ${JSON.stringify(wire)}`);
  }
});

t.test('every byte 0..255 as a one-character string round-trips', async (t) => {
  const failures: number[] = [];
  for (let byte = 0; byte <= 255; byte++) {
    const message = String.fromCharCode(byte);
    const wire = encodeStatusMessage(message);
    const raw = byte >= 0x20 && byte <= 0x7e && byte !== 0x25;
    if (raw ? wire !== message : !/^(%[0-9A-F]{2})+$/.test(wire)) failures.push(byte);
    if (decodeStatusMessage(wire) !== message) failures.push(byte);
  }
  t.same(
    failures,
    [],
    'each byte is either kept raw (%x20-24 / %x26-7E) or escaped with uppercase hex, and decodes back',
  );
});

t.test('every ASCII byte inside a longer message round-trips', async (t) => {
  let all = '';
  for (let byte = 0; byte < 0x80; byte++) all += `a${String.fromCharCode(byte)}b`;
  const wire = encodeStatusMessage(all);
  t.match(wire, /^[\x20-\x7e]*$/, 'the wire form is printable ASCII');
  t.equal(decodeStatusMessage(wire), all);
});

t.test('interop special_status_message round-trips', async (t) => {
  const special = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';
  const wire = encodeStatusMessage(special);
  t.equal(wire, '%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP %F0%9F%98%88%09%0A');
  t.equal(decodeStatusMessage(wire), special);
});

t.test('decoding broken input never throws and keeps what it cannot decode', async (t) => {
  const cases: Array<[wire: string, message: string]> = [
    ['%G0', '%G0'], // not hex
    ['%0G', '%0G'],
    ['abc%6', 'abc%6'], // trailing, one digit
    ['%6', '%6'],
    ['%', '%'], // lone percent
    ['abc%', 'abc%'],
    ['%%41', '%A'], // a stray % before a valid escape
    ['50% done', '50% done'],
    ['%e7%b3%bb', '系'], // lowercase hex is accepted when reading
    ['%41%G1%42', 'A%G1B'], // valid escapes around a broken one still decode
    ['%FF', '\ufffd'], // invalid UTF-8 becomes U+FFFD, the message survives
    ['ok %E7%B3', 'ok \ufffd'], // a cut UTF-8 sequence
    ['系统', '系统'], // raw non-ASCII (no %) kept as is
    ['😈 %41', '😈 A'], // raw non-BMP next to an escape stays whole
    ['系 %41', '系 A'],
  ];
  for (const [wire, message] of cases) {
    let decoded: string | undefined;
    t.doesNotThrow(() => (decoded = decodeStatusMessage(wire)), JSON.stringify(wire));
    t.equal(decoded, message, `decode ${JSON.stringify(wire)}`);
  }
});

t.test('a lone surrogate is encoded as U+FFFD (UTF-8 has no surrogates)', async (t) => {
  t.equal(encodeStatusMessage('a\ud800b'), 'a%EF%BF%BDb');
});

t.test('a plain message is returned as is (no allocation path)', async (t) => {
  const plain = 'Deadline Exceeded (1000 ms)';
  t.equal(encodeStatusMessage(plain), plain);
  t.equal(decodeStatusMessage(plain), plain);
});
