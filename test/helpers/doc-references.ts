// The references the learning documents (docs/spec-map.md, docs/reading-order.md, docs/wire/) make
// to the code and to the tests, and a check of each one against the files as they are.
//
// A reference is an inline code span in one of these forms:
//
//   `src/server/call-engine.ts:statusTrailers`           a name declared in that file
//   `src/server/call-engine.ts:ServerCallEngine.expire`  a name declared inside that declaration
//   `src/server/shutdown.ts`   `src/call/`               a file, or a directory (ending in /)
//   `test/server/errors.test.ts › "title"`               a t.test() title in that file, as written
//
// A declaration is what the TypeScript parser says it is: a function, class, interface, type, enum
// (and its members), const/let/var, method, property, accessor, constructor, or a property of an
// object literal. A title is the first argument of a `t.test(…)` call: the string, or the text
// between the backticks of a template (`${label}: …` is written as it stands).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Where references may point: the top-level directories of the repository. */
const PREFIXES = ['.ci', 'bench', 'data', 'deploy', 'docs', 'framing', 'proto', 'scripts', 'src', 'test'];

const TEST_REFERENCE = /^(test\/\S+\.test\.ts) › "(.*)"$/;
const CODE_REFERENCE = new RegExp(`^((?:${PREFIXES.map((p) => p.replace('.', '\\.')).join('|')})/[^\\s:]*)(?::(.*))?$`);
const NAME = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?$/;

export type DocReference =
  | { kind: 'code'; line: number; text: string; path: string; name?: string }
  | { kind: 'test'; line: number; text: string; path: string; title: string }
  | { kind: 'malformed'; line: number; text: string };

/**
 * Every reference in `markdown`, with its line number. Fenced blocks (```) are skipped: diagrams
 * and examples name no references.
 */
export function findReferences(markdown: string): DocReference[] {
  const references: DocReference[] = [];
  for (const [lineText, line] of linesOutsideFences(markdown)) {
    if ((lineText.match(/`/g)?.length ?? 0) % 2 === 1) {
      // A span that crosses lines would pair the wrong backticks and hide the references after it.
      references.push({ kind: 'malformed', line, text: lineText.trim() });
      continue;
    }
    for (const [, span] of lineText.matchAll(/`([^`]+)`/g)) {
      const test = TEST_REFERENCE.exec(span);
      if (test) {
        references.push({ kind: 'test', line, text: span, path: test[1], title: test[2] });
        continue;
      }
      if (!PREFIXES.some((prefix) => span.startsWith(`${prefix}/`))) continue; // not a reference
      const code = CODE_REFERENCE.exec(span);
      if (!code || (code[2] !== undefined && !NAME.test(code[2]))) {
        references.push({ kind: 'malformed', line, text: span });
        continue;
      }
      references.push({ kind: 'code', line, text: span, path: code[1], name: code[2] });
    }
  }
  return references;
}

/** The lines of `markdown` outside fenced blocks (```), each with its number (from 1); the fence lines left out too. */
function* linesOutsideFences(markdown: string): Generator<[lineText: string, line: number]> {
  let fenced = false;
  for (const [index, lineText] of markdown.split('\n').entries()) {
    if (lineText.trimStart().startsWith('```')) fenced = !fenced;
    else if (!fenced) yield [lineText, index + 1];
  }
}

/** Parsed source files, shared by the checks of one run. */
export class SourceIndex {
  private readonly root: string;
  private readonly files = new Map<string, ts.SourceFile>();

  constructor(root: string) {
    this.root = root;
  }

  /** What is wrong with `reference`, or undefined when it holds. */
  check(reference: DocReference): string | undefined {
    switch (reference.kind) {
      case 'malformed':
        return reference.text.includes('`')
          ? 'an inline code span crosses a line: keep each span on one line'
          : 'not a reference: want `path`, `path:name`, `path:Outer.name` or `test/file.test.ts › "title"`';
      case 'code':
        return this.checkCode(reference.path, reference.name);
      case 'test':
        return this.checkTest(reference.path, reference.title);
    }
  }

  private checkCode(path: string, name: string | undefined): string | undefined {
    const full = join(this.root, path);
    if (!existsSync(full)) return `${path} does not exist`;
    const directory = statSync(full).isDirectory();
    if (path.endsWith('/') !== directory)
      return directory ? `${path} is a directory: end it with /` : `${path} is not a directory`;
    if (name === undefined) return undefined;
    if (!path.endsWith('.ts')) return `${path}: names are checked in TypeScript files only`;
    const [outer, inner] = name.split('.');
    const found = declarations(this.source(path), outer);
    if (found.length === 0) return `${path} declares no ${outer}`;
    if (inner !== undefined && !found.some((node) => declarations(node, inner, node).length > 0)) {
      return `${path}: ${outer} declares no ${inner}`;
    }
    return undefined;
  }

  private checkTest(path: string, title: string): string | undefined {
    if (!existsSync(join(this.root, path))) return `${path} does not exist`;
    if (!testTitles(this.source(path)).includes(title)) return `${path} has no t.test("${title}")`;
    return undefined;
  }

  private source(path: string): ts.SourceFile {
    let file = this.files.get(path);
    if (!file) {
      file = ts.createSourceFile(path, readFileSync(join(this.root, path), 'utf8'), ts.ScriptTarget.Latest, true);
      this.files.set(path, file);
    }
    return file;
  }
}

/** The declarations named `name` within `scope` (other than `scope` itself). */
function declarations(scope: ts.Node, name: string, exclude?: ts.Node): ts.Node[] {
  const found: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    if (node !== exclude && declaredName(node) === name) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}

function declaredName(node: ts.Node): string | undefined {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (
    ts.isFunctionDeclaration(node) ||
    ts.isClassDeclaration(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isEnumDeclaration(node) ||
    ts.isEnumMember(node) ||
    ts.isVariableDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isPropertyDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isMethodSignature(node) ||
    ts.isPropertySignature(node) ||
    ts.isPropertyAssignment(node)
  ) {
    const name = node.name;
    if (name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name))) return name.text;
  }
  return undefined;
}

/** The titles of every `t.test(title, …)` (or `test(…)`) call in `file`. */
export function testTitles(file: ts.SourceFile): string[] {
  const titles: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && isTestCall(node.expression) && node.arguments.length > 0) {
      const first = node.arguments[0];
      if (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)) titles.push(first.text);
      else if (ts.isTemplateExpression(first)) titles.push(first.getText(file).slice(1, -1));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return titles;
}

function isTestCall(callee: ts.Expression): boolean {
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text === 'test';
  return ts.isIdentifier(callee) && callee.text === 'test';
}

export interface RelativeLink {
  line: number;
  /** The file linked to ('' for a link within the document). */
  target: string;
  /** The part after #, if any. */
  fragment?: string;
}

/** Relative links of `markdown`, `[text](target)` and `[name]: target`; fenced blocks skipped. */
export function relativeLinks(markdown: string): RelativeLink[] {
  const links: RelativeLink[] = [];
  for (const [lineText, line] of linesOutsideFences(markdown)) {
    const definition = /^\s*\[[^\]]+\]:\s*(\S+)/.exec(lineText); // [name]: target
    const targets = [...lineText.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]); // [text](target)
    for (const target of definition ? [definition[1]] : targets) {
      if (/^[a-z]+:/.test(target)) continue;
      const [file, fragment] = target.split('#');
      links.push({ line, target: file, fragment });
    }
  }
  return links;
}

/** The anchors GitHub gives the headings of `markdown`: lower case, punctuation dropped, spaces as hyphens. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [lineText] of linesOutsideFences(markdown)) {
    const heading = /^#{1,6} (.+)$/.exec(lineText);
    if (heading) {
      anchors.add(
        heading[1]
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\s_-]/gu, '')
          .replace(/\s/g, '-'),
      );
    }
  }
  return anchors;
}
