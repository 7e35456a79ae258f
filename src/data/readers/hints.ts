/**
 * Advice inside error messages names the library option and the command-line flag that do the
 * same thing: ``pass `encoding: 'latin1'` (CLI: `--encoding latin1`)``. The library shows both;
 * the CLI keeps only its flag (see `cliWording`).
 */

/** The library option `library` with its command-line equivalent `cli`. */
export function optionHint(library: string, cli: string): string {
  return `\`${library}\` (CLI: \`${cli}\`)`;
}

const HINT = /`([^`]*)` \(CLI: `([^`]*)`\)/g;

/** A message as the command line should show it: each option hint becomes its flag alone. */
export function cliWording(message: string): string {
  return message.replace(HINT, '$2');
}

/** Separators worth suggesting when a line does not split as expected, with their names. */
export const COMMON_SEPARATORS: readonly { separator: string; name: string; flag: string }[] = [
  { separator: '\t', name: 'tab', flag: "'\\t'" },
  { separator: '::', name: '::', flag: "'::'" },
  { separator: ';', name: 'semicolon', flag: "';'" },
  { separator: '|', name: 'pipe', flag: "'|'" },
  { separator: ',', name: 'comma', flag: "','" },
];

/** ``try `separator: '\t'` (CLI: `--sep '\t'`)`` for a separator from COMMON_SEPARATORS. */
export function separatorHint(separator: string): string {
  const known = COMMON_SEPARATORS.find((s) => s.separator === separator);
  const text = known ? known.flag : `'${separator}'`;
  return optionHint(`separator: ${text}`, `--sep ${text}`);
}

/**
 * The separator (other than `current`) that splits `line` into at least `minFields` fields
 * (outside double quotes), the one giving most fields; null when none does.
 */
export function likelySeparator(line: string, current: string, minFields = 2): string | null {
  let best: string | null = null;
  let bestCount = 0;
  for (const { separator } of COMMON_SEPARATORS) {
    if (separator === current || current.includes(separator) || separator.includes(current)) continue;
    const count = splitOutsideQuotes(line, separator).length;
    if (count >= minFields && count > bestCount) [best, bestCount] = [separator, count];
  }
  return best;
}

/** `line` split on `separator` outside double quotes, each field trimmed and unquoted. */
export function splitOutsideQuotes(line: string, separator: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (!quoted && line.startsWith(separator, i)) {
      out.push(line.slice(start, i));
      i += separator.length - 1;
      start = i + 1;
    }
  }
  out.push(line.slice(start));
  return out.map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
}

/** The name of a separator for messages: "tab-separated", "comma-separated", "'::'-separated". */
export function separatedName(separator: string): string {
  const known = COMMON_SEPARATORS.find((s) => s.separator === separator);
  return known && known.name !== '::' ? `${known.name}-separated` : `'${separator}'-separated`;
}

export function isNumericText(text: string): boolean {
  return text.trim() !== '' && Number.isFinite(Number(text));
}
