// readSecret: only kubectl's NotFound means "absent"; any other failure stops the step.
import { Kubectl, MongoStepError, readSecret } from '../scripts/mongodb/kubectl';

const answering = (code: number, stderr: string, stdout = ''): Kubectl => async () => ({ code, stdout, stderr });

test('NotFound (kubectl get: `Error from server (NotFound): secrets "x" not found`, exit 1) is absent', async () => {
  expect(await readSecret(answering(1, 'Error from server (NotFound): secrets "mongodb-colyseus" not found\n'), 'mongodb-colyseus')).toBeUndefined();
});

test.each([
  ['the API server down', 1, 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?'],
  ['no kubectl on the PATH (a shell says "not found")', 127, 'sh: 1: kubectl: not found'],
])('%s is an error, not "absent"', async (_, code, stderr) => {
  await expect(readSecret(answering(code, stderr), 'mongodb-colyseus')).rejects.toThrow(MongoStepError);
});

test('a present Secret is decoded, annotations kept', async () => {
  const secret = { data: { password: Buffer.from('pw').toString('base64') }, metadata: { annotations: { a: 'b' } } };
  expect(await readSecret(answering(0, '', JSON.stringify(secret)), 'x')).toEqual({ data: { password: 'pw' }, annotations: { a: 'b' } });
});
