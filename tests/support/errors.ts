import { expect } from 'vitest';
import { AppError } from '../../src/shared/errors';

/** The AppError `p` rejects with; fails the test when it resolves or rejects with anything else. */
export async function appErrorOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the call to fail with an AppError');
}
