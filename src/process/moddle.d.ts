/**
 * The part of bpmn-moddle 10 and moddle-xml 12 that bpmn.ts uses. bpmn-moddle's own types
 * cover the metamodel (its "./types" entry) but not the package's main entry.
 */
declare module 'bpmn-moddle' {
  export class BpmnModdle {
    constructor();
  }
}

declare module 'moddle-xml' {
  /** An element of the parsed model: `$type` is its metamodel type (`bpmn:UserTask`); the rest are its properties. */
  export interface ModdleElement {
    readonly $type: string;
    readonly $attrs?: Readonly<Record<string, string>>;
    readonly [property: string]: unknown;
  }
  export interface RootHandler {
    element?: ModdleElement;
    context: { warnings: { message: string }[] };
  }
  export class Reader {
    constructor(options: { model: object; lax: boolean });
    handler(type: string): RootHandler;
    fromXML(xml: string, handler: RootHandler): Promise<unknown>;
  }
}
