#!/usr/bin/env node
// Prints the seed's worked example (both sides of each backprop formula) from the built package.
import { walkthroughMarkdown } from '../dist/seed/walkthrough.js';

console.log(walkthroughMarkdown());
