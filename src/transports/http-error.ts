/** An HTTP failure the agent answers with `status` and a JSON `{ error: { message } }` body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
