// What a bot submits: a solution from OpenAI when OPENAI_API_KEY is set, else (and whenever
// OpenAI fails) the problem's reference solution that the game server hands to bots.

export interface Problem { readonly id: string; readonly title: string; readonly statement: string }
export interface Solution { readonly language_id: number; readonly source: string; readonly from: 'openai' | 'reference' }

/** Judge0's id for Python 3, the language the bots ask OpenAI for. */
const PYTHON3 = 71;

export async function solveWithOpenAi(
  problem: Problem, options: { apiKey: string; baseUrl: string; model: string },
): Promise<Solution | undefined> {
  try {
    const response = await fetch(`${options.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${options.apiKey}` },
      body: JSON.stringify({
        model: options.model,
        messages: [
          { role: 'system', content: 'You solve programming puzzles. Answer with one Python 3 program in a ```python code block; it reads stdin and writes stdout.' },
          { role: 'user', content: `${problem.title}\n\n${problem.statement}` },
        ],
      }),
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) return undefined;
    const content: string = (await response.json())?.choices?.[0]?.message?.content ?? '';
    const code = /```(?:python3?|py)?\n([\s\S]*?)```/.exec(content)?.[1];
    return code ? { language_id: PYTHON3, source: code, from: 'openai' } : undefined;
  } catch {
    return undefined;
  }
}
