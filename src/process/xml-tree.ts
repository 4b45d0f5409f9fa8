/**
 * An XML document as a small tree, read with saxen (the parser bpmn-moddle itself uses), for
 * jPDL definitions. Bounded for hostile files: the bytes, the depth and the number of elements;
 * no DTD, so no entity of the file's own making is ever expanded. Names keep their prefix
 * stripped: jPDL files come with and without the jBPM namespace.
 */
import { Parser, type SaxenContext } from 'saxen';
import { PROCESS_LIMITS, ProcessDefinitionError } from './model.js';

export interface XmlElement {
  name: string;
  attrs: Readonly<Record<string, string>>;
  children: XmlElement[];
  /** The element's own text, trimmed. */
  text: string;
  line: number;
}

const MAX_DEPTH = 32;
const MAX_ELEMENTS = 20_000;

const local = (name: string): string => name.slice(name.indexOf(':') + 1);

export function readXml(file: string, source: string): XmlElement {
  if (Buffer.byteLength(source) > PROCESS_LIMITS.fileBytes) throw new ProcessDefinitionError(file, null, `more than ${PROCESS_LIMITS.fileBytes} bytes`);
  if (/<!DOCTYPE/i.test(source)) throw new ProcessDefinitionError(file, null, 'a document type declaration (<!DOCTYPE>) is not accepted');
  const parser = new Parser();
  const stack: XmlElement[] = [];
  // Line numbers are counted here as the parse moves on: saxen's context getter scans the
  // document from its start on every call, so asking it per element would cost elements × lines.
  let cursor = 0;
  let line = 1;
  const lineOf = (name: string): number => {
    const at = source.indexOf(`<${name}`, cursor);
    if (at < 0) return line;
    for (let i = cursor; i < at; i++) if (source.charCodeAt(i) === 10) line += 1;
    cursor = at + 1;
    return line;
  };
  let root: XmlElement | null = null;
  let count = 0;
  let failure: string | null = null;
  const fail = (message: string, at: () => SaxenContext): void => {
    failure ??= `line ${at().line + 1}: ${message}`;
    parser.stop();
  };
  // saxen sends closeTag for a self-closing element too: every open is pushed, every close pops.
  parser.on('openTag', (name: string, attrs: () => Record<string, string> | false, decode: (s: string) => string, _selfClosing: boolean, at: () => SaxenContext) => {
    if (++count > MAX_ELEMENTS) return fail(`more than ${MAX_ELEMENTS} elements`, at);
    if (stack.length >= MAX_DEPTH) return fail(`elements nested more than ${MAX_DEPTH} deep`, at);
    const raw = attrs();
    if (raw === false) return fail(`<${name}> has attributes that do not parse`, at);
    const decoded: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(raw)) decoded[local(k)] = decode(v);
    const element: XmlElement = { name: local(name), attrs: decoded, children: [], text: '', line: lineOf(name) };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else if (root) return fail('more than one root element', at);
    else root = element;
    stack.push(element);
  });
  parser.on('closeTag', () => {
    stack.pop();
  });
  parser.on('text', (text: string, decode: (s: string) => string) => {
    const top = stack[stack.length - 1];
    if (top && top.text.length < PROCESS_LIMITS.guardLength * 4) top.text = `${top.text}${decode(text)}`;
  });
  parser.on('cdata', (text: string) => {
    const top = stack[stack.length - 1];
    if (top && top.text.length < PROCESS_LIMITS.guardLength * 4) top.text = `${top.text}${text}`;
  });
  parser.on('error', (err: Error, at: () => SaxenContext) => fail(err.message, at));
  parser.on('warn', (err: Error, at: () => SaxenContext) => fail(err.message, at));
  parser.parse(source);
  if (failure !== null) throw new ProcessDefinitionError(file, null, `not well-formed XML: ${failure}`);
  if (!root) throw new ProcessDefinitionError(file, null, 'no root element');
  if (stack.length > 0) throw new ProcessDefinitionError(file, null, `<${stack[stack.length - 1]?.name ?? ''}> is never closed`);
  trimText(root);
  return root;
}

function trimText(root: XmlElement): void {
  const pending = [root];
  for (let e = pending.pop(); e; e = pending.pop()) {
    e.text = e.text.trim();
    pending.push(...e.children);
  }
}
