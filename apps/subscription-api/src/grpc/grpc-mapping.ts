/** A list request as gRPC delivers it; the same `limit` and `cursor` as the REST query. */
export interface GrpcListRequest {
  limit?: number;
  cursor?: string;
}

/** proto3 `optional` fields are absent rather than null. */
export function withoutNulls<T extends Record<string, unknown>>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== null)) as T;
}

export function grpcPage<T, R extends Record<string, unknown>>(
  page: { data: T[]; next_cursor: string | null },
  map: (item: T) => R,
): { data: R[]; next_cursor?: string } {
  return {
    data: page.data.map((item) => withoutNulls(map(item))),
    ...(page.next_cursor === null ? {} : { next_cursor: page.next_cursor }),
  };
}
