import { formatCpu, formatMemory, isQuantity, parseQuantity } from '../lib/quantity';

test.each([
  ['500m', 0.5], ['1', 1], ['1.5', 1.5], ['2000m', 2], ['512Mi', 512 * 2 ** 20], ['1Gi', 2 ** 30],
  ['1G', 1e9], ['1k', 1000], ['1e3', 1000], ['.5', 0.5], ['100n', 1e-7],
])('%s = %d', (text, value) => {
  expect(isQuantity(text)).toBe(true);
  expect(parseQuantity(text)).toBeCloseTo(value, 12);
});

test.each(['', 'abc', '1 Gi', '1GB', '-1', 'Gi', '1.2.3', '1Mii'])('%s is not a quantity', text => {
  expect(isQuantity(text)).toBe(false);
  expect(() => parseQuantity(text)).toThrow('not a Kubernetes quantity');
});

test('formats for reports', () => {
  expect(formatCpu(1.25)).toBe('1250m');
  expect(formatMemory(3 * 2 ** 30)).toBe('3Gi');
  expect(formatMemory(1536 * 2 ** 20)).toBe('1536Mi');
});
