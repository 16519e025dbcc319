// RFC 7541 Appendix C.2–C.6, the RFC's own examples of header blocks: each step's block, its header
// list as "name: value" with each field's representation (as describeRepresentation says it), and
// the dynamic table afterwards (newest first) with its size. C.3 and C.5 run their three steps on one
// decoder each (C.5 and C.6 with a 256-octet table), as the RFC does.

export interface Step {
  id: string;
  block: string;
  fields: Array<[field: string, representation: string]>;
  table: string[];
  size: number;
}

const DATE_21 = 'date: Mon, 21 Oct 2013 20:13:21 GMT';
const DATE_22 = 'date: Mon, 21 Oct 2013 20:13:22 GMT';
const LOCATION = 'location: https://www.example.com';
const COOKIE = 'set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
export const INCREMENTAL = 'literal, incremental indexing';

/** The three requests of C.3 (plain) and C.4 (Huffman): same lists, same tables. */
function requests(section: string, value: 'plain' | 'Huffman', blocks: string[]): Step[] {
  return [
    {
      id: `${section}.1`,
      block: blocks[0],
      fields: [
        [':method: GET', 'indexed (static 2)'],
        [':scheme: http', 'indexed (static 6)'],
        [':path: /', 'indexed (static 4)'],
        [':authority: www.example.com', `${INCREMENTAL}, name static 1, value ${value}`],
      ],
      table: [':authority: www.example.com'],
      size: 57,
    },
    {
      id: `${section}.2`,
      block: blocks[1],
      fields: [
        [':method: GET', 'indexed (static 2)'],
        [':scheme: http', 'indexed (static 6)'],
        [':path: /', 'indexed (static 4)'],
        [':authority: www.example.com', 'indexed (dynamic 62)'],
        ['cache-control: no-cache', `${INCREMENTAL}, name static 24, value ${value}`],
      ],
      table: ['cache-control: no-cache', ':authority: www.example.com'],
      size: 110,
    },
    {
      id: `${section}.3`,
      block: blocks[2],
      fields: [
        [':method: GET', 'indexed (static 2)'],
        [':scheme: https', 'indexed (static 7)'],
        [':path: /index.html', 'indexed (static 5)'],
        [':authority: www.example.com', 'indexed (dynamic 63)'],
        ['custom-key: custom-value', `${INCREMENTAL}, name literal (${value}), value ${value}`],
      ],
      table: ['custom-key: custom-value', 'cache-control: no-cache', ':authority: www.example.com'],
      size: 164,
    },
  ];
}

/** The three responses of C.5 (plain) and C.6 (Huffman), with a 256-octet table that evicts. */
function responses(section: string, value: 'plain' | 'Huffman', blocks: string[]): Step[] {
  return [
    {
      id: `${section}.1`,
      block: blocks[0],
      fields: [
        [':status: 302', `${INCREMENTAL}, name static 8, value ${value}`],
        ['cache-control: private', `${INCREMENTAL}, name static 24, value ${value}`],
        [DATE_21, `${INCREMENTAL}, name static 33, value ${value}`],
        [LOCATION, `${INCREMENTAL}, name static 46, value ${value}`],
      ],
      table: [LOCATION, DATE_21, 'cache-control: private', ':status: 302'],
      size: 222,
    },
    {
      id: `${section}.2`,
      block: blocks[1],
      fields: [
        [':status: 307', `${INCREMENTAL}, name static 8, value ${value}`],
        ['cache-control: private', 'indexed (dynamic 65)'],
        [DATE_21, 'indexed (dynamic 64)'],
        [LOCATION, 'indexed (dynamic 63)'],
      ],
      table: [':status: 307', LOCATION, DATE_21, 'cache-control: private'], // ":status: 302" evicted
      size: 222,
    },
    {
      id: `${section}.3`,
      block: blocks[2],
      fields: [
        [':status: 200', 'indexed (static 8)'],
        ['cache-control: private', 'indexed (dynamic 65)'],
        [DATE_22, `${INCREMENTAL}, name static 33, value ${value}`],
        [LOCATION, 'indexed (dynamic 64)'],
        ['content-encoding: gzip', `${INCREMENTAL}, name static 26, value ${value}`],
        [COOKIE, `${INCREMENTAL}, name static 55, value ${value}`],
      ],
      table: [COOKIE, 'content-encoding: gzip', DATE_22], // five entries evicted on the way
      size: 215,
    },
  ];
}

export const C2: Step[] = [
  {
    id: 'C.2.1', // literal with incremental indexing, new name
    block: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
    fields: [['custom-key: custom-header', `${INCREMENTAL}, name literal (plain), value plain`]],
    table: ['custom-key: custom-header'],
    size: 55,
  },
  {
    id: 'C.2.2', // literal without indexing, indexed name
    block: '040c 2f73 616d 706c 652f 7061 7468',
    fields: [[':path: /sample/path', 'literal without indexing, name static 4, value plain']],
    table: [],
    size: 0,
  },
  {
    id: 'C.2.3', // literal never indexed, new name
    block: '1008 7061 7373 776f 7264 0673 6563 7265 74',
    fields: [['password: secret', 'literal never indexed, name literal (plain), value plain']],
    table: [],
    size: 0,
  },
  {
    id: 'C.2.4', // indexed
    block: '82',
    fields: [[':method: GET', 'indexed (static 2)']],
    table: [],
    size: 0,
  },
];

export const C3 = requests('C.3', 'plain', [
  '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
  '8286 84be 5808 6e6f 2d63 6163 6865',
  '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
]);

export const C4 = requests('C.4', 'Huffman', [
  '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
  '8286 84be 5886 a8eb 1064 9cbf',
  '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
]);

export const C5 = responses('C.5', 'plain', [
  '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d ' +
    '546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
  '4803 3330 37c1 c0bf',
  '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f ' +
    '6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b ' +
    '2076 6572 7369 6f6e 3d31',
]);

export const C6 = responses('C.6', 'Huffman', [
  '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 ' +
    '8f0b 97c8 e9ae 82ae 43d3',
  '4883 640e ffc1 c0bf',
  '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 ' +
    'dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
]);
