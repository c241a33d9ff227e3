/**
 * The console's table cells and buttons. Server text is only ever set as
 * `textContent`, through `visibleText`, so control and bidi characters show
 * as escapes instead of reordering what an operator reads; a cell holding one
 * instant shows it in the viewer's own time and keeps the exact instant in
 * its `<time datetime>` (local-time.ts).
 */
import { visibleText } from '../../admin-client/visible-text';
import { isInstant, localTime, localTimesIn } from './local-time';

export function cell(text: unknown): HTMLTableCellElement {
  const td = document.createElement('td');
  const value = text === null || text === undefined || text === '' ? null : String(text);
  if (value !== null && isInstant(value)) {
    const time = document.createElement('time');
    time.dateTime = value;
    time.textContent = localTime(value);
    td.append(time);
  } else td.textContent = value === null ? '–' : localTimesIn(visibleText(value));
  return td;
}

export function row(cells: unknown[], extra?: HTMLElement): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const value of cells) tr.append(cell(value));
  if (extra) {
    const td = document.createElement('td');
    td.append(extra);
    tr.append(td);
  }
  return tr;
}

export function button(label: string, onClick: () => void, accessibleName?: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (accessibleName) b.setAttribute('aria-label', accessibleName);
  b.addEventListener('click', onClick);
  return b;
}
