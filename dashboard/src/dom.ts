// Small DOM helpers the views share: rows of text cells, buttons, times as people read them.

/** A table row of text cells (textContent: names from the roster are never parsed as HTML). */
export function rowOf(cells: readonly (string | number | null)[]): HTMLTableRowElement {
  const row = document.createElement('tr');
  for (const cell of cells) row.insertCell().textContent = cell === null ? '—' : String(cell);
  return row;
}

export function button(label: string, onClick: () => unknown, className = ''): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = label;
  if (className) element.className = className;
  element.onclick = () => void onClick();
  return element;
}

export function listItem(text: string): HTMLLIElement {
  const item = document.createElement('li');
  item.textContent = text;
  return item;
}

export const clockTime = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
export const dateTime = (ms: number) => new Date(ms).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });

export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')}`;
}

/** Shows a failure in the page's alert line (and clears it on success). */
export function reportTo(alert: HTMLElement): <T>(work: () => Promise<T>) => Promise<T | undefined> {
  return async (work) => {
    try {
      const result = await work();
      alert.textContent = '';
      return result;
    } catch (error) {
      alert.textContent = (error as Error).message;
      return undefined;
    }
  };
}

/** Form fields as a JSON body: empty fields left out, numbers as numbers. */
export function formFields(form: HTMLFormElement, numbers: readonly string[] = []): Record<string, string | number> {
  const fields: Record<string, string | number> = {};
  for (const [name, value] of new FormData(form)) {
    if (typeof value !== 'string' || value.trim() === '') continue;
    fields[name] = numbers.includes(name) ? Number(value) : value.trim();
  }
  return fields;
}
