// Importing this module registers every model and baseline with the registry in recommender.ts.
