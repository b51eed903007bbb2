import { InvalidArgumentError } from './errors.js';

/**
 * Validates a display name of a user-created thing (project, folder, group...).
 * Refuses path separators, traversal segments and control characters so names can be used in
 * paths and shown safely.
 */
export function validateDisplayName(value: string, parameter = 'displayName', maxLength = 255): string {
  const name = value.normalize('NFC');
  const problem =
    name.trim().length === 0
      ? 'must not be blank'
      : name !== name.trim()
        ? 'must not start or end with whitespace'
        : name.length > maxLength
          ? `must be at most ${maxLength} characters`
          : /[\u0000-\u001f\u007f-\u009f]/.test(name)
            ? 'must not contain control characters'
            : /[/\\]/.test(name)
              ? 'must not contain / or \\'
              : name === '.' || name === '..'
                ? 'must not be . or ..'
                : undefined;
  if (problem) throw new InvalidArgumentError('InvalidDisplayName', { parameter, displayName: value, problem });
  return name;
}
