/** What an HTTP route answers, on either transport (http-routes.ts). */

/**
 * A body sent as the client takes it (a large range, in the apply worker's pages): `head`, every
 * page `pages` gives, then `tail`, chunked. The transport closes `pages` if the client goes first.
 */
export interface PagedBody {
  head: string;
  pages: { next(): Promise<Uint8Array | undefined>; close(): void };
  tail: string;
}

/** An HTTP answer: whole, or in pages. */
export interface HttpReply {
  status: number;
  contentType: string;
  body: string | Uint8Array | PagedBody;
  headers?: Readonly<Record<string, string>>;
}

export function isPagedBody(body: HttpReply['body']): body is PagedBody {
  return typeof body === 'object' && !(body instanceof Uint8Array);
}
