import { describe, expect, it } from '@jest/globals';
import { redactUrl } from './database.js';

describe('redactUrl', () => {
  it.each([
    ['postgres://app:s3cret@db:5432/bridge', 'postgres://app:***@db:5432/bridge'],
    ['postgres://:s3cret@db/bridge', 'postgres://:***@db/bridge'],
    ['postgres://app:pa/ss@w@rd@db/bridge', 'postgres://app:***@db/bridge'],
    ['postgres://db/bridge?sslmode=require&password=s3cret', 'postgres://db/bridge?sslmode=require&password=***'],
    ['postgres://app@db/bridge', 'postgres://app:***@db/bridge'],
    ['postgres://db/bridge', 'postgres://db/bridge'],
  ])('masks the password of %s', (url, printed) => {
    expect(redactUrl(url)).toBe(printed);
    expect(redactUrl(url)).not.toMatch(/s3cret|pa\/ss|w@rd/);
  });
});
