// A small, strict XML 1.0 parser for tests: enough to prove a document is well-formed and to read
// its structure back, without a dependency (CI machines need nothing installed). It accepts an XML
// declaration, comments, processing instructions, CDATA sections, elements, attributes and the
// predefined and numeric character references. It rejects anything else, including a DOCTYPE
// (so no entities beyond the five predefined ones), and throws XmlSyntaxError at the first problem.

/** An element with its attributes (normalised and decoded) and its children in document order. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}

/** Element children: elements, and decoded character data (text and CDATA). */
export type XmlNode = XmlElement | string;

/** The first well-formedness problem found, with its offset in the (line-end-normalised) source. */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

/** Deeper nesting than this is refused rather than recursed into. */
export const XML_DEPTH_MAX = 256;

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME_START = 'A-Z_a-z:\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u02ff\\u0370-\\u037d\\u037f-\\u1fff\\u200c\\u200d\\u2070-\\u218f\\u2c00-\\u2fef\\u3001-\\ud7ff\\uf900-\\ufdcf\\ufdf0-\\ufffd\\u{10000}-\\u{effff}';
const NAME = new RegExp(`[${NAME_START}][${NAME_START}\\-.0-9\\u00b7\\u0300-\\u036f\\u203f-\\u2040]*`, 'uy');
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const WHITESPACE = /[ \t\n\r]*/y;

/** True when `text` holds only characters XML 1.0 allows (its Char production). */
export function isXmlChars(text: string): boolean {
  return !NOT_XML_CHAR.test(text);
}

/** Parses `source` as a standalone XML 1.0 document and returns its root element. */
export function parseXml(source: string): XmlElement {
  return new XmlParser(source).document();
}

/** Every element named `name` below `element` (depth first, document order). */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((child) => {
    if (typeof child === 'string') return [];
    return [...(child.name === name ? [child] : []), ...findAll(child, name)];
  });
}

/** The element children of `element`. */
export function childElements(element: XmlElement): XmlElement[] {
  return element.children.filter((child): child is XmlElement => typeof child !== 'string');
}

/** The decoded text directly inside `element`. */
export function textOf(element: XmlElement): string {
  return element.children.filter((child): child is string => typeof child === 'string').join('');
}

class XmlParser {
  private readonly text: string;
  private offset = 0;

  constructor(source: string) {
    // XML 1.0 §2.11: every CR LF and lone CR reaches the application as LF.
    this.text = source.replace(/\r\n?/g, '\n');
    const bad = NOT_XML_CHAR.exec(this.text);
    if (bad !== null) this.fail(`character U+${bad[0].codePointAt(0)?.toString(16)} is not allowed in XML`, bad.index);
  }

  document(): XmlElement {
    if (this.text.startsWith('<?xml')) this.declaration();
    this.misc();
    if (this.text.startsWith('<!DOCTYPE', this.offset)) this.fail('DOCTYPE is not supported');
    if (this.text[this.offset] !== '<') this.fail('expected the root element');
    const root = this.element(0);
    this.misc();
    if (this.offset < this.text.length) this.fail('content after the root element');
    return root;
  }

  private declaration(): void {
    const end = this.text.indexOf('?>');
    if (end < 0) this.fail('unterminated XML declaration');
    const declaration = this.text.slice(0, end);
    if (!/^<\?xml\s+version=(["'])1\.0\1(\s+encoding=(["'])[A-Za-z][A-Za-z0-9._-]*\3)?(\s+standalone=(["'])(yes|no)\5)?\s*$/.test(declaration)) {
      this.fail('malformed XML declaration');
    }
    this.offset = end + 2;
  }

  /** Comments, processing instructions and whitespace, outside the root element. */
  private misc(): void {
    for (;;) {
      this.skipWhitespace();
      if (this.text.startsWith('<!--', this.offset)) this.comment();
      else if (this.text.startsWith('<?', this.offset)) this.processingInstruction();
      else return;
    }
  }

  private element(depth: number): XmlElement {
    if (depth >= XML_DEPTH_MAX) this.fail(`elements nested deeper than ${XML_DEPTH_MAX}`);
    this.expect('<');
    const name = this.name();
    const attributes = this.attributes();
    if (this.text.startsWith('/>', this.offset)) {
      this.offset += 2;
      return { name, attributes, children: [] };
    }
    this.expect('>');
    const children = this.content(depth);
    this.expect('</');
    const closing = this.name();
    if (closing !== name) this.fail(`</${closing}> closes <${name}>`);
    this.skipWhitespace();
    this.expect('>');
    return { name, attributes, children };
  }

  private attributes(): Record<string, string> {
    const attributes: Record<string, string> = {};
    for (;;) {
      const hadSpace = this.skipWhitespace();
      const next = this.text[this.offset];
      if (next === '>' || next === '/' || next === undefined) return attributes;
      if (!hadSpace) this.fail('attributes must be separated by whitespace');
      const name = this.name();
      if (Object.hasOwn(attributes, name)) this.fail(`duplicate attribute '${name}'`);
      this.skipWhitespace();
      this.expect('=');
      this.skipWhitespace();
      attributes[name] = this.attributeValue();
    }
  }

  private attributeValue(): string {
    const quote = this.text[this.offset];
    if (quote !== '"' && quote !== "'") this.fail('attribute value must be quoted');
    const end = this.text.indexOf(quote, this.offset + 1);
    if (end < 0) this.fail('unterminated attribute value');
    const raw = this.text.slice(this.offset + 1, end);
    const lessThan = raw.indexOf('<');
    if (lessThan >= 0) this.fail("'<' in an attribute value", this.offset + 1 + lessThan);
    // XML 1.0 §3.3.3: literal white space becomes a space; references keep what they stand for.
    const value = this.decode(raw.replace(/[\t\n\r]/g, ' '), this.offset + 1);
    this.offset = end + 1;
    return value;
  }

  private content(depth: number): XmlNode[] {
    const children: XmlNode[] = [];
    for (;;) {
      if (this.offset >= this.text.length) this.fail('unexpected end of document inside an element');
      if (this.text.startsWith('</', this.offset)) return children;
      if (this.text.startsWith('<!--', this.offset)) this.comment();
      else if (this.text.startsWith('<![CDATA[', this.offset)) children.push(this.cdata());
      else if (this.text.startsWith('<?', this.offset)) this.processingInstruction();
      else if (this.text[this.offset] === '<') children.push(this.element(depth + 1));
      else children.push(this.characterData());
    }
  }

  private characterData(): string {
    const start = this.offset;
    const end = this.text.indexOf('<', start);
    const raw = this.text.slice(start, end < 0 ? this.text.length : end);
    const cdataEnd = raw.indexOf(']]>');
    if (cdataEnd >= 0) this.fail("']]>' in character data", start + cdataEnd);
    this.offset = start + raw.length;
    return this.decode(raw, start);
  }

  private cdata(): string {
    const start = this.offset + '<![CDATA['.length;
    const end = this.text.indexOf(']]>', start);
    if (end < 0) this.fail('unterminated CDATA section');
    this.offset = end + 3;
    return this.text.slice(start, end);
  }

  private comment(): void {
    const start = this.offset + 4;
    const end = this.text.indexOf('-->', start);
    if (end < 0) this.fail('unterminated comment');
    const body = this.text.slice(start, end);
    if (body.includes('--') || body.endsWith('-')) this.fail("'--' inside a comment", start);
    this.offset = end + 3;
  }

  private processingInstruction(): void {
    this.offset += 2;
    const target = this.name();
    if (target.toLowerCase() === 'xml') this.fail('XML declaration not at the start of the document');
    const end = this.text.indexOf('?>', this.offset);
    if (end < 0) this.fail('unterminated processing instruction');
    this.offset = end + 2;
  }

  /** Replaces references in `raw`; a bare '&' or an unknown or invalid reference is an error. */
  private decode(raw: string, rawOffset: number): string {
    let decoded = '';
    let index = 0;
    for (let ampersand = raw.indexOf('&'); ampersand >= 0; ampersand = raw.indexOf('&', index)) {
      const semicolon = raw.indexOf(';', ampersand);
      const reference = semicolon < 0 ? '' : raw.slice(ampersand + 1, semicolon);
      decoded += raw.slice(index, ampersand) + this.reference(reference, rawOffset + ampersand);
      index = semicolon + 1;
    }
    return decoded + raw.slice(index);
  }

  private reference(reference: string, offset: number): string {
    const predefined = PREDEFINED_ENTITIES[reference];
    if (predefined !== undefined) return predefined;
    const numeric = /^#(?:([0-9]+)|x([0-9a-fA-F]+))$/.exec(reference);
    if (numeric === null) this.fail(`invalid reference '&${reference};'`, offset);
    const codePoint = numeric[1] !== undefined ? Number.parseInt(numeric[1], 10) : Number.parseInt(numeric[2] ?? '', 16);
    const character = codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : '\0';
    if (!isXmlChars(character) || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
      this.fail(`reference '&${reference};' is not an XML character`, offset);
    }
    return character;
  }

  private name(): string {
    NAME.lastIndex = this.offset;
    const match = NAME.exec(this.text);
    if (match === null) this.fail('expected a name');
    this.offset += match[0].length;
    return match[0];
  }

  private skipWhitespace(): boolean {
    WHITESPACE.lastIndex = this.offset;
    const skippedCount = WHITESPACE.exec(this.text)?.[0].length ?? 0;
    this.offset += skippedCount;
    return skippedCount > 0;
  }

  private expect(literal: string): void {
    if (!this.text.startsWith(literal, this.offset)) this.fail(`expected '${literal}'`);
    this.offset += literal.length;
  }

  private fail(message: string, offset = this.offset): never {
    throw new XmlSyntaxError(message, offset);
  }
}
