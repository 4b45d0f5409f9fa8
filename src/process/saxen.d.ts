/** The part of saxen 11 (no types of its own) that xml-tree.ts uses, in its non-proxy mode. */
declare module 'saxen' {
  export interface SaxenContext {
    line: number;
    column: number;
  }
  type At = () => SaxenContext;
  type Decode = (text: string) => string;
  export class Parser {
    constructor(options?: { proxy?: boolean });
    on(event: 'openTag', cb: (name: string, attrs: () => Record<string, string> | false, decode: Decode, selfClosing: boolean, at: At) => void): this;
    on(event: 'closeTag', cb: (name: string, decode: Decode, selfClosing: boolean, at: At) => void): this;
    on(event: 'text', cb: (text: string, decode: Decode, at: At) => void): this;
    on(event: 'cdata', cb: (text: string, at: At) => void): this;
    on(event: 'error' | 'warn', cb: (err: Error, at: At) => void): this;
    parse(xml: string): this;
    stop(): void;
  }
}
