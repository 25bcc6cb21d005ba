/** The node of a parsed JSONata expression (`jsonata(expr).ast()`), as far as the fast path reads it. */
export interface Node {
  type: string;
  value?: unknown;
  steps?: Node[];
  stages?: Node[];
  expr?: Node;
  lhs?: Node | Array<[Node, Node]>;
  rhs?: Node;
  condition?: Node;
  then?: Node;
  else?: Node;
  expressions?: Node[];
  arguments?: Node[];
  procedure?: Node;
  keepArray?: boolean;
  keepSingletonArray?: boolean;
  group?: unknown;
  focus?: unknown;
  index?: unknown;
  tuple?: unknown;
  predicate?: unknown;
}
