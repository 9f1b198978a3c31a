import type { Faker } from '@faker-js/faker';

/**
 * The names stock movements carry (`source`: a company, `responsible`: a person), drawn from faker
 * once per generator: a faker call per event was a third of the generator's CPU. A thousand of
 * each reads as varied on the dashboard as a fresh name per event did.
 */
export interface Vocabulary {
  readonly companies: readonly string[];
  readonly people: readonly string[];
}

export const VOCABULARY_SIZE = 1000;

export function makeVocabulary(faker: Faker, size = VOCABULARY_SIZE): Vocabulary {
  return {
    companies: Array.from({ length: size }, () => faker.company.name()),
    people: Array.from({ length: size }, () => faker.person.fullName()),
  };
}
