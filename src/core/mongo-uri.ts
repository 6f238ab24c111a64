/** Reading MongoDB connection strings without the driver (so --help stays light). */

/** The database named in the path of a MongoDB URI, or undefined. */
export function databaseFromUri(uri: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]*)/.exec(uri);
  const name = match?.[1] ? decodeURIComponent(match[1]) : '';
  return name === '' ? undefined : name;
}
