/** InfluxQL quoting: identifiers in double quotes, strings in single quotes, backslash escapes. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** WHERE clauses for tag equality, skipping undefined values. */
export function tagConditions(tags: Record<string, string | undefined>): string[] {
  return Object.entries(tags)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([tag, value]) => `${quoteIdentifier(tag)} = ${quoteString(value)}`);
}
