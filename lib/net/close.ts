/** Closing a connection or listener that may already be closed. */

/** Closes `resource`; closing one that is already closed is no error. */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // already closed
  }
}
