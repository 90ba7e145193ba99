import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { graphFromRon, layers, parseRon, RonError } from './ron';

const starter = readFileSync(new URL('./fixtures/amapiano-starter.ron', import.meta.url), 'utf8');

describe('parseRon', () => {
  it('parses structs, tuples, lists, maps and scalars', () => {
    expect(parseRon('(a: 1, b: "x\\n", c: [1.5, -2e3], d: {"k": true}, e: (1, 2), f: None, g: Some(3), h: Foo,)')).toEqual({
      a: 1,
      b: 'x\n',
      c: [1.5, -2000],
      d: { k: true },
      e: [1, 2],
      f: null,
      g: 3,
      h: 'Foo',
    });
  });
  it('skips comments and reads raw strings and named structs', () => {
    expect(parseRon('// hi\n/* a /* nested */ b */ Point(x: 1, /* c */ y: r#"a "q" b"#)')).toEqual({
      $name: 'Point',
      x: 1,
      y: 'a "q" b',
    });
  });
  it('says where it fails', () => {
    expect(() => parseRon('(a: 1,\n b: )')).toThrow(RonError);
    try {
      parseRon('(a: 1,\n b: )');
    } catch (e) {
      expect((e as RonError).line).toBe(2);
    }
  });
});

describe('a real graph preset', () => {
  const g = graphFromRon(starter);
  it('has its nodes with kinds, params and positions', () => {
    expect(g.bpm).toBe(113);
    expect(g.nodes).toHaveLength(21);
    const kick = g.nodes.find((n) => n.id === 'kick')!;
    expect(kick.kind).toBe('sequence.steps');
    expect(kick.params.pattern).toBe('X...x...x...x...');
    expect(kick.params.accent_vel).toBe(100);
    expect(g.nodes.find((n) => n.id === 'out')!.params).toEqual({});
    expect(g.nodes.find((n) => n.id === 'mix')!.x).toBe(1100);
  });
  it('has its connections split into node and port', () => {
    expect(g.edges).toHaveLength(29);
    expect(g.edges[0]).toEqual({ from: 'kick', fromPort: 'notes', to: 'arrangement', toPort: 'in_1' });
  });
  it('layers from sources to the output', () => {
    const l = layers(g);
    expect(l[0]).toContain('kick');
    expect(l[1]).toContain('arrangement');
    expect(l.findIndex((x) => x.includes('mix'))).toBeGreaterThan(l.findIndex((x) => x.includes('drums')));
    expect(l[l.length - 1]).toEqual(['out']);
    expect(l.flat()).toHaveLength(21);
  });
});
