// The duel problems. Tests are hidden from players: only the server sees them.

export interface TestCase {
  readonly stdin: string;
  readonly expectedOutput: string;
}

export interface Problem {
  readonly id: string;
  readonly title: string;
  readonly statement: string;
  readonly tests: readonly TestCase[];
  /** A solution that passes every test; bots without OpenAI submit it. */
  readonly reference: { readonly languageId: number; readonly source: string };
}

/** Judge0's id for Python 3 (1.13.x: Python 3.8.1). */
export const PYTHON3 = 71;

export const PROBLEMS: readonly Problem[] = [
  {
    id: 'sum-of-two',
    title: 'Sum of two',
    statement: 'Read two integers a and b on one line and print a + b.',
    tests: [
      { stdin: '1 2\n', expectedOutput: '3\n' },
      { stdin: '-5 5\n', expectedOutput: '0\n' },
      { stdin: '123456789 987654321\n', expectedOutput: '1111111110\n' },
    ],
    reference: { languageId: PYTHON3, source: 'a, b = map(int, input().split())\nprint(a + b)\n' },
  },
  {
    id: 'reverse-words',
    title: 'Reverse the words',
    statement: 'Read one line and print its words in reverse order, separated by single spaces.',
    tests: [
      { stdin: 'hello world\n', expectedOutput: 'world hello\n' },
      { stdin: 'one\n', expectedOutput: 'one\n' },
      { stdin: 'a  b   c\n', expectedOutput: 'c b a\n' },
    ],
    reference: { languageId: PYTHON3, source: 'print(" ".join(reversed(input().split())))\n' },
  },
  {
    id: 'count-vowels',
    title: 'Count the vowels',
    statement: 'Read one line and print how many of its characters are vowels (a, e, i, o, u, either case).',
    tests: [
      { stdin: 'CodeClashers\n', expectedOutput: '4\n' },
      { stdin: 'rhythm\n', expectedOutput: '0\n' },
      { stdin: 'AEIOU aeiou\n', expectedOutput: '10\n' },
    ],
    reference: { languageId: PYTHON3, source: 'print(sum(c in "aeiouAEIOU" for c in input()))\n' },
  },
];

export function problemById(id: string): Problem | undefined {
  return PROBLEMS.find(p => p.id === id);
}

export function randomProblem(): Problem {
  return PROBLEMS[Math.floor(Math.random() * PROBLEMS.length)];
}
