// The HPACK static table: RFC 7541 Appendix A, copied entry for entry.
//
// Indices on the wire start at 1 (RFC 7541 §2.3.3): wire index i is STATIC_TABLE[i - 1]. The dynamic
// table continues at STATIC_TABLE.length + 1 = 62.

export interface TableEntry {
  readonly name: string;
  readonly value: string;
}

function entry(name: string, value = ''): TableEntry {
  return Object.freeze({ name, value });
}

export const STATIC_TABLE: readonly TableEntry[] = Object.freeze([
  entry(':authority'), //                   1
  entry(':method', 'GET'), //               2
  entry(':method', 'POST'), //              3
  entry(':path', '/'), //                   4
  entry(':path', '/index.html'), //         5
  entry(':scheme', 'http'), //              6
  entry(':scheme', 'https'), //             7
  entry(':status', '200'), //               8
  entry(':status', '204'), //               9
  entry(':status', '206'), //               10
  entry(':status', '304'), //               11
  entry(':status', '400'), //               12
  entry(':status', '404'), //               13
  entry(':status', '500'), //               14
  entry('accept-charset'), //               15
  entry('accept-encoding', 'gzip, deflate'), // 16
  entry('accept-language'), //              17
  entry('accept-ranges'), //                18
  entry('accept'), //                       19
  entry('access-control-allow-origin'), //  20
  entry('age'), //                          21
  entry('allow'), //                        22
  entry('authorization'), //                23
  entry('cache-control'), //                24
  entry('content-disposition'), //          25
  entry('content-encoding'), //             26
  entry('content-language'), //             27
  entry('content-length'), //               28
  entry('content-location'), //             29
  entry('content-range'), //                30
  entry('content-type'), //                 31
  entry('cookie'), //                       32
  entry('date'), //                         33
  entry('etag'), //                         34
  entry('expect'), //                       35
  entry('expires'), //                      36
  entry('from'), //                         37
  entry('host'), //                         38
  entry('if-match'), //                     39
  entry('if-modified-since'), //            40
  entry('if-none-match'), //                41
  entry('if-range'), //                     42
  entry('if-unmodified-since'), //          43
  entry('last-modified'), //                44
  entry('link'), //                         45
  entry('location'), //                     46
  entry('max-forwards'), //                 47
  entry('proxy-authenticate'), //           48
  entry('proxy-authorization'), //          49
  entry('range'), //                        50
  entry('referer'), //                      51
  entry('refresh'), //                      52
  entry('retry-after'), //                  53
  entry('server'), //                       54
  entry('set-cookie'), //                   55
  entry('strict-transport-security'), //    56
  entry('transfer-encoding'), //            57
  entry('user-agent'), //                   58
  entry('vary'), //                         59
  entry('via'), //                          60
  entry('www-authenticate'), //             61
]);
