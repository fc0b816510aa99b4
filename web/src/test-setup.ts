import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => cleanup());

// Pages are lazy chunks: the first render of one in a test file waits for its module.
configure({ asyncUtilTimeout: 5_000 });
