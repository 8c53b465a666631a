import { describe, expect, it } from 'vitest';
import { conditionsHold, isDenied, stringLike } from '../helpers/iam-conditions.js';

/**
 * The condition evaluator the policy tests rely on, held to the IAM documentation
 * (reference_policies_elements_condition_operators, …_condition-single-vs-multi-valued-context-keys):
 * if it were lenient, the policy tests could not fail.
 */
describe('the IAM condition evaluator of the tests', () => {
  it('matches StringLike wildcards as IAM does: * any run, ? one character, the rest literally', () => {
    expect(stringLike('Order#*', 'Order#1')).toBe(true);
    expect(stringLike('Order#*', 'Order#')).toBe(true);
    expect(stringLike('Order#*', 'OrderLine#1')).toBe(false);
    expect(stringLike('a.c', 'abc')).toBe(false);
    expect(stringLike('a?c', 'abc')).toBe(true);
  });

  it('holds a negated operator for a key the request lacks, and not a positive one', () => {
    const negated = {
      Effect: 'Deny' as const,
      Action: 'x:Y',
      Condition: { ArnNotEquals: { k: ['a'] } },
    };
    const positive = { ...negated, Condition: { ArnEquals: { k: ['a'] } } };

    expect(conditionsHold(negated, {})).toBe(true);
    expect(conditionsHold(positive, {})).toBe(false);
  });

  it('holds ForAllValues for a request without values, unless a Null check requires the key', () => {
    const forAll = { 'ForAllValues:StringLike': { k: ['a*'] } };
    const statement = { Effect: 'Allow' as const, Action: 'x:Y', Condition: forAll };

    expect(conditionsHold(statement, {})).toBe(true);
    expect(
      conditionsHold({ ...statement, Condition: { ...forAll, Null: { k: 'false' } } }, {}),
    ).toBe(false);
    expect(conditionsHold(statement, { k: ['ab', 'b'] })).toBe(false);
  });

  it('denies only by a Deny statement whose action and conditions apply', () => {
    const deny = {
      Effect: 'Deny' as const,
      Action: 'events:PutEvents',
      Condition: { StringNotEquals: { 'events:source': ['a'] } },
    };

    expect(isDenied([deny], 'events:PutEvents', { 'events:source': ['b'] })).toBe(true);
    expect(isDenied([deny], 'events:PutEvents', { 'events:source': ['a'] })).toBe(false);
    expect(isDenied([deny], 'events:PutRule', { 'events:source': ['b'] })).toBe(false);
  });
});
