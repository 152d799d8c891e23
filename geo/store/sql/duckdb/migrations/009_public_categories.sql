-- Whether cases of a category may be shown to anonymous readers (GRIDMGR_PUBLIC_READ).
-- Catalogues stored before this flag existed become not public: the safe default. Loading a
-- catalogue with a public column (gridmgr categories load) sets it per subclass.
ALTER TABLE categories ADD COLUMN public BOOLEAN DEFAULT false;
UPDATE categories SET public = false WHERE public IS NULL;
